package tasks

import (
	"regexp"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Request asks for operations on one asset, or on an image of a source
// (Source and Path instead of AssetID).
type Request struct {
	AssetID string `json:"asset_id,omitempty"`
	// Source and Path name a remote image: a configured source and a path
	// below it (percent-encoded as in a src: delivery URL). The worker
	// fetches it and imports it as an asset of the tenant.
	Source      string   `json:"source,omitempty"`
	Path        string   `json:"path,omitempty"`
	Ops         []string `json:"ops"`
	CallbackURL string   `json:"callback_url,omitempty"`
	// Region routes the task: it is published on easel.tasks.<region>.<kind>.
	Region string `json:"region,omitempty"`
	// TaskID, when set, is the ID the task gets (a stream request's,
	// derived from its request ID); empty: a new ID.
	TaskID string `json:"-"`
}

// Spec is a validated Request without its asset: canonical operations, a
// callback URL that passed the guard, a well-formed region. Only Validate
// makes one, so a Spec is proof the operations were checked, once.
type Spec struct {
	ops         []string
	callbackURL string
	region      string
	taskID      string
}

// Ops returns the canonical operations.
func (s Spec) Ops() []string { return s.ops }

var regionPattern = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// Target returns the request's source, or nil for an asset; exactly one
// of the two must be named.
func (req Request) Target() (*easel.TaskSource, error) {
	switch {
	case req.Source != "" && req.AssetID != "":
		return nil, easel.Errorf(easel.CodeInvalidArgument, "name asset_id or source, not both")
	case req.Source != "":
		if req.Path == "" {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "path: the image's path in source %q is required", req.Source)
		}
		return &easel.TaskSource{Name: req.Source, Path: req.Path}, nil
	case req.Path != "":
		return nil, easel.Errorf(easel.CodeInvalidArgument, "path needs a source")
	case req.AssetID == "":
		return nil, easel.Errorf(easel.CodeInvalidArgument, "asset_id or source is required")
	}
	return nil, nil
}

// Validate checks a request before anything is stored and returns it in
// canonical form. It does not look the asset up.
func (s *Tasks) Validate(req Request) (Spec, error) {
	if len(req.Ops) == 0 {
		return Spec{}, easel.Errorf(easel.CodeInvalidArgument, "ops: at least one operations string is needed")
	}
	if len(req.Ops) > s.cfg.MaxOps {
		return Spec{}, easel.Errorf(easel.CodeInvalidArgument, "ops: at most %d outputs per task", s.cfg.MaxOps)
	}
	canonical := make([]string, len(req.Ops))
	for i, ops := range req.Ops {
		o, err := transform.Parse(ops)
		if err != nil {
			return Spec{}, err
		}
		if o, err = transform.Expand(o, s.cfg.Presets); err != nil {
			return Spec{}, err
		}
		switch {
		case o.Original:
			return Spec{}, easel.Errorf(easel.CodeInvalidArgument, "ops %q: the original needs no task", ops)
		case o.Format == transform.FormatAuto:
			return Spec{}, easel.Errorf(easel.CodeInvalidArgument, "ops %q: f_auto needs a request's Accept header; name a format", ops)
		}
		canonical[i] = o.String()
	}
	if req.Region != "" && !regionPattern.MatchString(req.Region) {
		return Spec{}, easel.Errorf(easel.CodeInvalidArgument, "region %q: want 1..32 of a-z, 0-9 and -", req.Region)
	}
	if req.CallbackURL != "" {
		if err := s.cfg.CheckCallbackURL(req.CallbackURL); err != nil {
			return Spec{}, err
		}
	}
	return Spec{ops: canonical, callbackURL: req.CallbackURL, region: req.Region, taskID: req.TaskID}, nil
}
