package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/easelhq/easel"
)

// maxErrorLen bounds CallbackDelivery.Error, in bytes.
const maxErrorLen = 200

// maxDrain is how much of a response body is read (and discarded) so that
// the connection can be reused.
const maxDrain = 64 << 10

// Payload is the JSON body of a callback.
type Payload struct {
	// Type is "task." followed by the event: "task.succeeded", "task.dead".
	Type string `json:"type"`
	// Timestamp is when the event happened (the task's FinishedAt, else its
	// UpdatedAt); it is the same in every attempt. The time of the attempt
	// is in the webhook-timestamp header.
	Timestamp time.Time `json:"timestamp"`
	// Data is the task as GET /v1/tasks/{id} shows it.
	Data any `json:"data"`
}

// MessageID returns the webhook-id of a task's callback for the event. It is
// the same in every attempt, so receivers can de-duplicate on it.
func MessageID(taskID string, event easel.EventType) string {
	return taskID + "." + string(event)
}

// Deliver makes one attempt to deliver the callback of task for event,
// signed with secret, and returns what happened; attempt is its 1-based
// number. It does not record the attempt, retry, or touch the queue.
// Delivered is true for a 2xx response only; a redirect is not followed and
// counts as a failure.
func (d *Dispatcher) Deliver(ctx context.Context, task easel.Task, event easel.EventType, secret []byte, attempt int) easel.CallbackDelivery {
	res := easel.CallbackDelivery{TaskID: task.ID, Attempt: attempt, URL: task.CallbackURL, At: time.Now().UTC()}
	if err := CheckURL(task.CallbackURL, d.cfg.AllowPrivate, d.cfg.AllowLoopback); err != nil {
		res.Error = bound(easel.ErrorMessage(err))
		return res
	}
	body, err := d.payload(task, event)
	if err != nil {
		res.Error = bound(err.Error())
		return res
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, task.CallbackURL, bytes.NewReader(body))
	if err != nil {
		res.Error = bound("build request: " + err.Error())
		return res
	}
	id := MessageID(task.ID, event)
	now := time.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", d.cfg.UserAgent)
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(secret, id, now, body))

	start := time.Now()
	resp, err := d.client.Do(req)
	if err != nil {
		res.Latency = time.Since(start)
		res.Error = bound(d.describe(err))
		return res
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	_ = resp.Body.Close()
	res.Latency = time.Since(start)
	res.Status = resp.StatusCode
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		res.Delivered = true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		res.Error = bound("redirect not followed: " + resp.Status)
	default:
		res.Error = bound("unexpected status: " + resp.Status)
	}
	return res
}

// payload returns the JSON body of the callback.
func (d *Dispatcher) payload(task easel.Task, event easel.EventType) ([]byte, error) {
	at := task.UpdatedAt
	if task.FinishedAt != nil {
		at = *task.FinishedAt
	}
	var data any = task
	if d.render != nil {
		data = d.render(task)
	}
	body, err := json.Marshal(Payload{Type: "task." + string(event), Timestamp: at.UTC(), Data: data})
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	return body, nil
}

// describe returns the text of a failed request without the URL, which the
// delivery already records and which may hold a token.
func (d *Dispatcher) describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Sprintf("timeout after %s", d.cfg.Timeout)
		}
		err = ue.Err
	}
	return err.Error()
}

// bound cuts s to at most maxErrorLen bytes, on a rune boundary.
func bound(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	s = s[:maxErrorLen]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
