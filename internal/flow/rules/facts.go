package rules

import "github.com/easelhq/easel"

// FactsOf returns the facts of an asset. region and metadata come from the
// upload; duration (seconds) and frames, when duration is 0, from the
// asset's video probe (0 and the page count for images); faces is -1 until
// the analysis has run (videos are not analysed).
func FactsOf(a easel.Asset, region string, metadata map[string]string, duration float64) Facts {
	f := Facts{
		Width: a.Width, Height: a.Height, ShortSide: min(a.Width, a.Height), Format: a.Format,
		Frames: max(a.Pages, 1), Duration: duration, Faces: -1, Bytes: a.Bytes,
		Region: region, Tenant: a.TenantID, Metadata: metadata,
	}
	if v := a.Video; v != nil && duration == 0 {
		f.Duration, f.Frames = v.Duration, int(max(v.Frames, 1))
	}
	if a.Analysis != nil {
		f.Faces = len(a.Analysis.Faces)
	}
	return f
}
