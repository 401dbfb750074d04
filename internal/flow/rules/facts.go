package rules

import "github.com/easelhq/easel"

// FactsOf returns the facts of an asset. region and metadata come from the
// upload, duration (seconds) from the video probe, 0 for images; faces is
// -1 until the analysis has run.
func FactsOf(a easel.Asset, region string, metadata map[string]string, duration float64) Facts {
	f := Facts{
		Width: a.Width, Height: a.Height, ShortSide: min(a.Width, a.Height), Format: a.Format,
		Frames: max(a.Pages, 1), Duration: duration, Faces: -1, Bytes: a.Bytes,
		Region: region, Tenant: a.TenantID, Metadata: metadata,
	}
	if a.Analysis != nil {
		f.Faces = len(a.Analysis.Faces)
	}
	return f
}
