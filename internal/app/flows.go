package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/engine/vips"
	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/httpapi"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/video"
	"github.com/easelhq/easel/internal/worker"
	"github.com/easelhq/easel/transform"
)

// apiFlowsPoll is how often every node checks for flows defined or deleted
// over the API on another node (one small query).
const apiFlowsPoll = 2 * time.Second

// flowParts are the workflow parts of an App: the sandbox of external
// processors, and the processors, flows and rules loaded from the
// configured files (reloaded while the app runs).
type flowParts struct {
	sandbox  *processor.Sandbox
	probeErr error // why the sandbox helper does not work; nil when it does or is unused
	live     *flow.Live
}

// newFlowParts builds the sandbox, the built-in processors (image.render
// through the shared renderer, faces.analyze, the video processors with
// watermark images read from the tenant's assets) and the live flows.
func newFlowParts(ctx context.Context, cfg config.Config, meta Store, blobs easel.BlobStore, engine *vips.Engine,
	renderer *render.Renderer, faces render.FaceDetector, log *slog.Logger) (*flowParts, error) {
	sb, err := processor.NewSandbox(processor.SandboxConfig{})
	if err != nil {
		return nil, err
	}
	p := &flowParts{sandbox: sb}
	if cfg.Processors.Dir != "" {
		if p.probeErr = sb.Probe(ctx); p.probeErr != nil {
			log.Error("external processors cannot run", "err", p.probeErr)
		}
	}
	builtins := []processor.Processor{
		processor.ImageRender{Render: imageRender(meta, engine, renderer)},
		processor.FacesAnalyze{Analyze: func(ctx context.Context, in processor.File) (any, error) {
			data, err := os.ReadFile(in.Path)
			if err != nil {
				return nil, fmt.Errorf("faces.analyze: %w", err)
			}
			a, err := probedAsset(ctx, engine, data)
			if err != nil {
				return nil, err
			}
			an, err := worker.Analyzer{Engine: engine, Detector: faces}.Analyze(ctx, a, data)
			if err != nil {
				return nil, err
			}
			return an.Faces, nil
		}},
	}
	builtins = append(builtins, video.Processors(video.Tools{}, watermarkResolver(meta, blobs))...)
	p.live, err = flow.NewLive(flow.LiveConfig{ProcessorsDir: cfg.Processors.Dir, FlowsDir: cfg.Flows.Dir, RulesFile: cfg.Rules.File}, builtins, sb)
	if err != nil {
		return nil, fmt.Errorf("workflows: %w", err)
	}
	return p, nil
}

// probedAsset describes data as an asset of the flow's tenant, for the
// renderer.
func probedAsset(ctx context.Context, engine *vips.Engine, data []byte) (easel.Asset, error) {
	src, err := engine.Probe(data)
	if err != nil {
		return easel.Asset{}, err
	}
	w, h := src.DisplayedSize()
	return easel.Asset{ID: "flow", TenantID: worker.TenantOf(ctx), Format: string(src.Format), Width: w, Height: h,
		Pages: src.Pages, Bytes: int64(len(data))}, nil
}

// imageRender renders through the shared renderer, as delivery URLs do.
func imageRender(meta Store, engine *vips.Engine, renderer *render.Renderer) processor.RenderFunc {
	return func(ctx context.Context, in processor.File, ops transform.Options, dir string) (processor.File, map[string]any, error) {
		data, err := os.ReadFile(in.Path)
		if err != nil {
			return processor.File{}, nil, fmt.Errorf("image.render: %w", err)
		}
		a, err := probedAsset(ctx, engine, data)
		if err != nil {
			return processor.File{}, nil, err
		}
		if ops.Format == transform.FormatAuto {
			return processor.File{}, nil, easel.Errorf(easel.CodeInvalidArgument, "ops: f_auto needs a request's Accept header; name a format")
		}
		out, err := renderer.Render(ctx, a, data, ops, "")
		if err != nil {
			return processor.File{}, nil, err
		}
		mime := processor.SniffBytes(out.Data[:min(len(out.Data), 512)])
		path := filepath.Join(dir, "image"+processor.ExtOf(mime))
		if err := os.WriteFile(path, out.Data, 0o644); err != nil {
			return processor.File{}, nil, fmt.Errorf("image.render: %w", err)
		}
		return processor.File{Path: path, MIME: mime},
			map[string]any{"format": string(out.Format), "width": out.Width, "height": out.Height}, nil
	}
}

// watermarkResolver reads a watermark image: an asset of the task's tenant.
func watermarkResolver(meta Store, blobs easel.BlobStore) video.ImageResolver {
	return func(ctx context.Context, ref, dir string) (processor.File, error) {
		a, err := render.OverlayAsset(ctx, meta, worker.TenantOf(ctx), ref)
		if err != nil {
			return processor.File{}, err
		}
		data, err := render.ReadBlob(ctx, blobs, easel.OriginalKey(a.SHA256))
		if err != nil {
			return processor.File{}, fmt.Errorf("watermark %s: %w", ref, err)
		}
		mime := processor.SniffBytes(data[:min(len(data), 512)])
		path := filepath.Join(dir, "watermark"+processor.ExtOf(mime))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return processor.File{}, fmt.Errorf("watermark %s: %w", ref, err)
		}
		return processor.File{Path: path, MIME: mime}, nil
	}
}

// checker is the /readyz entry "workflows": unavailable when external
// processors are configured but the sandbox helper does not run; its
// detail is the isolation in use and the error of the last reload, if any
// (the last good files stay in use).
func (p *flowParts) checker() httpapi.Checker {
	return httpapi.Checker{Name: "workflows",
		Ping: func(context.Context) error { return p.probeErr },
		Describe: func() string {
			iso := p.sandbox.Isolation()
			parts := []string{fmt.Sprintf("%d flows", len(p.live.Catalog.List()))}
			switch {
			case iso.Namespaces:
				parts = append(parts, "sandbox: unprivileged user, namespaces")
			case iso.User:
				parts = append(parts, "sandbox: unprivileged user, no namespaces ("+iso.Reason+")")
			default:
				parts = append(parts, "sandbox: "+iso.Reason)
			}
			if st := p.live.Status(); st.Error != "" {
				parts = append(parts, "reload failed, last good files in use: "+st.Error)
			}
			return strings.Join(parts, "; ")
		}}
}
