package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// delay is how long to wait before retry round attempt (1, 2, ...): the
// server's Retry-After when the last answer carried one, else an exponential
// backoff with full jitter; never more than the client's longest delay.
func (c *Client) delay(attempt int, lastErr error) time.Duration {
	var e *Error
	if errors.As(lastErr, &e) {
		if d, ok := parseRetryAfter(e.RetryAfter, time.Now()); ok {
			return min(d, c.maxWait)
		}
	}
	ceiling := c.backoff << min(attempt-1, 20)
	if ceiling <= 0 || ceiling > c.maxWait {
		ceiling = c.maxWait
	}
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// sleepCtx waits d, or returns the context's error when it ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return context.DeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
