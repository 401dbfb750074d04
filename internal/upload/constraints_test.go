package upload_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/internal/upload"
)

// flowsFunc is an upload.FlowRunner knowing one flow, "thumb".
type flowsFunc struct{ ran *[]string }

func (f flowsFunc) CheckFlow(name string) error {
	if name != "thumb" {
		return easel.Errorf(easel.CodeNotFound, "flow %s not found", name)
	}
	return nil
}

func (f flowsFunc) RunFlow(_ context.Context, tenantID, assetID, name, _, _ string, _ time.Duration) (tasks.View, error) {
	*f.ran = append(*f.ran, tenantID+"/"+name)
	return tasks.View{Task: easel.Task{ID: "flow-task", Kind: easel.TaskFlow, AssetID: assetID}}, nil
}

// TestUploadConstraints: an upload token's byte cap, types, ops and flow,
// and an upload's own flow.
func TestUploadConstraints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		req        upload.Request
		wantCode   easel.Code
		wantStored bool
		wantTask   bool
		wantFlow   bool
	}{
		{name: "within the token's cap", req: upload.Request{Body: strings.NewReader("IMG-5678"), Constraints: &upload.Constraints{MaxBytes: 8}}, wantStored: true, wantTask: true}, // the rules' task
		{name: "over the token's cap", req: upload.Request{Body: strings.NewReader("IMG-56789"), Constraints: &upload.Constraints{MaxBytes: 8}}, wantCode: easel.CodeTooLarge},
		{name: "a cap above the server's is the server's", req: upload.Request{Body: strings.NewReader("IMG-456789abcdefX"), Constraints: &upload.Constraints{MaxBytes: 100}}, wantCode: easel.CodeTooLarge},
		{name: "an allowed type", req: upload.Request{Body: strings.NewReader("IMG-jpeg\xff\xda..\xff\xd9"), Constraints: &upload.Constraints{Types: []string{"png", "jpeg"}}}, wantStored: true, wantTask: true},
		{name: "a type not allowed", req: upload.Request{Body: strings.NewReader("IMG-data"), Constraints: &upload.Constraints{Types: []string{"jpeg"}}}, wantCode: easel.CodeUnsupportedMedia},
		{name: "the token's ops replace the request's", req: upload.Request{Body: strings.NewReader("IMG"), Task: &tasks.Request{Ops: []string{"bad"}},
			Constraints: &upload.Constraints{Ops: []string{"w_10"}}}, wantStored: true, wantTask: true},
		{name: "the token's flow", req: upload.Request{Body: strings.NewReader("IMG"), Task: &tasks.Request{Ops: []string{"w_10"}},
			Constraints: &upload.Constraints{Flow: "thumb"}}, wantStored: true, wantTask: true, wantFlow: true},
		{name: "the token forbids opting out", req: upload.Request{Body: strings.NewReader("IMG"), SkipRules: true, SkipVerify: true, Constraints: &upload.Constraints{}},
			wantStored: true, wantTask: true},
		{name: "an upload's own flow", req: upload.Request{Body: strings.NewReader("IMG"), Flow: "thumb"}, wantStored: true, wantTask: true, wantFlow: true},
		{name: "an unknown flow stores nothing", req: upload.Request{Body: strings.NewReader("IMG"), Flow: "nope"}, wantCode: easel.CodeNotFound},
		{name: "ops and a flow", req: upload.Request{Body: strings.NewReader("IMG"), Flow: "thumb", Task: &tasks.Request{Ops: []string{"w_10"}}}, wantCode: easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ran []string
			cfg := defaults
			cfg.Flows = flowsFunc{ran: &ran}
			rules := 0
			cfg.Rules = rulesFunc(func(context.Context, string, string, string, string, time.Duration) (*tasks.View, error) {
				rules++
				return &tasks.View{}, nil
			})
			u, c, _ := setup(cfg, true)
			req := tt.req
			req.SkipAnalysis = true
			res, err := u.Upload(context.Background(), "tenant", req)
			require.Equal(t, tt.wantCode, easel.ErrorCode(err), "%v", err)
			require.Equal(t, tt.wantStored, len(c.created) == 1)
			if err != nil {
				return
			}
			require.Equal(t, tt.wantTask, res.Task != nil)
			if tt.wantFlow {
				require.Equal(t, []string{"tenant/thumb"}, ran)
				require.Empty(t, c.submitted, "no ops task beside the flow")
			} else {
				require.Empty(t, ran)
			}
			if tt.name == "the token forbids opting out" {
				require.True(t, res.Verified, "verify is forced on")
				require.NotEmpty(t, res.AnalysisTaskID, "so is the analysis")
				require.Equal(t, 1, rules, "and the rules")
			}
		})
	}
}
