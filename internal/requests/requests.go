// Package requests is the stream way in: requests any NATS client
// publishes on <prefix>.requests.<tenant> become tasks (a flow, or render
// operations, on one of the tenant's assets), answered on the events
// stream. A request is decoded, validated and submitted through the same
// doors as the HTTP API's (flows.Flows.Run, tasks.Tasks.Submit); one whose
// request ID was seen already makes no second task; one that cannot be
// accepted gets a "rejected" event with a stable code instead of being
// dropped.
package requests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flows"
	"github.com/easelhq/easel/internal/tasks"
)

// Request is the JSON body of a stream request.
type Request struct {
	// RequestID makes the request idempotent: a request with an ID seen
	// before (for the tenant) makes no new task. Default: the message's
	// Nats-Msg-Id header; with neither, every message is a new request.
	RequestID string `json:"request_id,omitempty"`
	AssetID   string `json:"asset_id"`
	// Source is refused for now: upload first, then name the asset.
	Source string `json:"source,omitempty"`
	// Flow runs a flow (Version 0: the newest) with Params overriding its
	// step parameters; Ops renders operations instead. One of the two.
	Flow    string                    `json:"flow,omitempty"`
	Version int                       `json:"version,omitempty"`
	Params  map[string]map[string]any `json:"params,omitempty"`
	Ops     []string                  `json:"ops,omitempty"`
	// CallbackURL and Region are the task's, as over HTTP.
	CallbackURL string `json:"callback_url,omitempty"`
	Region      string `json:"region,omitempty"`
	// Reply, when set, is a NATS subject that receives the received or
	// rejected event too; CorrelationID is copied onto both.
	Reply         string `json:"reply,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
}

// Tenants lists the tenants (easel.MetaStore is one).
type Tenants interface {
	ListTenants(ctx context.Context) ([]easel.Tenant, error)
}

// FlowRunner starts flows (flows.Flows is one).
type FlowRunner interface {
	Run(ctx context.Context, tenantID, name string, req flows.RunRequest, wait time.Duration) (tasks.View, error)
}

// Submitter submits render tasks and reads tasks (tasks.Tasks is one).
type Submitter interface {
	Submit(ctx context.Context, tenantID string, req tasks.SubmitRequest) (tasks.View, error)
	Get(ctx context.Context, tenantID, id string) (tasks.View, error)
}

// Publisher publishes the received and rejected events, and replies
// (the NATS queue is one).
type Publisher interface {
	PublishEvent(ctx context.Context, e easel.Event) error
	Reply(ctx context.Context, subject string, data []byte) error
}

// Handler turns stream requests into tasks.
type Handler struct {
	Tenants Tenants
	Flows   FlowRunner // nil: flows are refused
	Tasks   Submitter
	Events  Publisher
	Log     *slog.Logger
	// MaxAttempts is how often a request that failed for a reason of the
	// server's (storage down) is tried before it is rejected; default 5.
	MaxAttempts int
	// RetryDelay is the delay before the next attempt; default 5s.
	RetryDelay time.Duration
}

var (
	_ FlowRunner = (*flows.Flows)(nil)
	_ Submitter  = (*tasks.Tasks)(nil)
)

// requestIDPattern is what a request ID may hold.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// Handle handles one request message: it is acknowledged once it made its
// task (or had made it before) or was rejected; a failure of the server's
// is retried, then rejected.
func (h *Handler) Handle(ctx context.Context, m easel.StreamRequest, d easel.Delivery) {
	log := h.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	req, tenantID, e, err := h.handle(ctx, m)
	if err != nil {
		code := easel.ErrorCode(err)
		retryable := code == easel.CodeInternal || code == easel.CodeUnavailable || code == easel.CodeDeadlineExceeded || code == easel.CodeOverloaded
		if retryable && d.Attempt() < h.maxAttempts() {
			log.Warn("stream request failed; retrying", "tenant", m.Tenant, "request", req.RequestID, "err", err)
			_ = d.Nak(ctx, h.retryDelay())
			return
		}
		if tenantID == "" {
			tenantID = m.Tenant
		}
		id := taskID(tenantID, requestKey(req, m))
		e = easel.Event{
			ID: id + ".rejected", Type: easel.EventRejected, TaskID: id, TenantID: tenantID, AssetID: req.AssetID,
			Error:     &easel.TaskError{Stage: "request", Code: code, Message: easel.ErrorMessage(err)},
			RequestID: req.RequestID, CorrelationID: req.CorrelationID, At: time.Now().UTC(),
		}
		log.Info("stream request rejected", "tenant", m.Tenant, "request", req.RequestID, "code", code, "err", err)
	}
	if perr := h.Events.PublishEvent(ctx, e); perr != nil {
		log.Warn("stream request: event not published; retrying", "event", e.ID, "err", perr)
		_ = d.Nak(ctx, h.retryDelay())
		return
	}
	if req.Reply != "" {
		data, _ := json.Marshal(e)
		if rerr := h.Events.Reply(ctx, req.Reply, data); rerr != nil {
			log.Info("stream request: no reply", "reply", req.Reply, "err", rerr)
		}
	}
	if err != nil {
		_ = d.Term(ctx)
		return
	}
	_ = d.Ack(ctx)
}

// handle decodes, checks and submits a request, returning its received
// event.
func (h *Handler) handle(ctx context.Context, m easel.StreamRequest) (Request, string, easel.Event, error) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(m.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		// Keep what can be read (request ID, reply) for the rejection.
		req = Request{}
		_ = json.Unmarshal(m.Data, &req)
		return req, "", easel.Event{}, easel.WrapError(easel.CodeInvalidArgument, err, "malformed JSON request: %v", err)
	}
	if req.RequestID == "" {
		req.RequestID = m.MsgID
	}
	tenantID, err := h.tenant(ctx, m.Tenant)
	if err != nil {
		return req, "", easel.Event{}, err
	}
	if req.RequestID != "" && !requestIDPattern.MatchString(req.RequestID) {
		return req, tenantID, easel.Event{}, easel.Errorf(easel.CodeInvalidArgument, "request_id: want 1..128 of A-Z, a-z, 0-9 and ._:-")
	}
	switch {
	case req.Source != "":
		return req, tenantID, easel.Event{}, easel.Errorf(easel.CodeInvalidArgument, "source: not accepted on the stream; upload the media (POST /v1/assets) and send its asset_id")
	case req.AssetID == "":
		return req, tenantID, easel.Event{}, easel.Errorf(easel.CodeInvalidArgument, "asset_id is required")
	case (req.Flow == "") == (len(req.Ops) == 0):
		return req, tenantID, easel.Event{}, easel.Errorf(easel.CodeInvalidArgument, "give flow or ops, not both nor neither")
	case req.Flow != "" && h.Flows == nil:
		return req, tenantID, easel.Event{}, easel.Errorf(easel.CodeInvalidArgument, "flow: this server runs no flows")
	}
	id := ""
	if req.RequestID != "" {
		id = taskID(tenantID, req.RequestID)
		if v, err := h.Tasks.Get(ctx, tenantID, id); err == nil {
			return req, tenantID, received(req, v), nil // seen before: no second task
		}
	}
	var v tasks.View
	if req.Flow != "" {
		v, err = h.Flows.Run(ctx, tenantID, req.Flow, flows.RunRequest{AssetID: req.AssetID, Version: req.Version, Params: req.Params,
			CallbackURL: req.CallbackURL, Region: req.Region, TaskID: id}, 0)
	} else {
		v, err = h.Tasks.Submit(ctx, tenantID, tasks.SubmitRequest{Task: tasks.Request{AssetID: req.AssetID, Ops: req.Ops,
			CallbackURL: req.CallbackURL, Region: req.Region, TaskID: id}})
	}
	if err != nil && id != "" {
		// A twin of the request (same ID, another message) may have won.
		if first, gerr := h.Tasks.Get(ctx, tenantID, id); gerr == nil {
			return req, tenantID, received(req, first), nil
		}
	}
	if err != nil {
		return req, tenantID, easel.Event{}, err
	}
	return req, tenantID, received(req, v), nil
}

// received is the event of a request that became task v.
func received(req Request, v tasks.View) easel.Event {
	return easel.Event{ID: v.ID + ".received", Type: easel.EventReceived, TaskID: v.ID, TenantID: v.TenantID, AssetID: v.AssetID,
		RequestID: req.RequestID, CorrelationID: req.CorrelationID, At: time.Now().UTC()}
}

// tenant resolves a subject's tenant token: a tenant's ID or name.
func (h *Handler) tenant(ctx context.Context, token string) (string, error) {
	ts, err := h.Tenants.ListTenants(ctx)
	if err != nil {
		return "", fmt.Errorf("requests: tenants: %w", err)
	}
	for _, t := range ts {
		if t.ID == token || t.Name == token {
			return t.ID, nil
		}
	}
	return "", easel.Errorf(easel.CodeNotFound, "tenant %q is unknown", token)
}

// requestKey is what names a request in its rejected event: its ID, else
// the message's.
func requestKey(req Request, m easel.StreamRequest) string {
	if req.RequestID != "" {
		return req.RequestID
	}
	if m.MsgID != "" {
		return m.MsgID
	}
	return easel.NewID()
}

// taskID is the ID of the task of a tenant's request: the same for the
// same request ID.
func taskID(tenantID, requestID string) string { return easel.DerivedID(tenantID, requestID) }

func (h *Handler) maxAttempts() int {
	if h.MaxAttempts <= 0 {
		return 5
	}
	return h.MaxAttempts
}

func (h *Handler) retryDelay() time.Duration {
	if h.RetryDelay <= 0 {
		return 5 * time.Second
	}
	return h.RetryDelay
}
