package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/webhook"
)

// signedHeader returns the headers of a request signed with secret at ts.
func signedHeader(secret []byte, id string, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, id, ts, body))
	return h
}

func TestSignFixedVectors(t *testing.T) {
	t.Parallel()

	t.Run("standard webhooks spec vector", func(t *testing.T) {
		t.Parallel()
		// From the Standard Webhooks specification and the Svix libraries.
		secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		require.NoError(t, err)
		got := webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
		require.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", got)
	})

	t.Run("computed with crypto/hmac", func(t *testing.T) {
		t.Parallel()
		secret := []byte("0123456789abcdefghijklmn")
		body := []byte(`{"type":"task.succeeded"}`)
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("task_1.succeeded.1700000000." + string(body)))
		want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))

		got := webhook.Sign(secret, "task_1.succeeded", time.Unix(1700000000, 999_000_000), body)
		require.Equal(t, want, got)
		require.Regexp(t, regexp.MustCompile(`^v1,[A-Za-z0-9+/]{43}=$`), got)
	})
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdefghijklmn")
	other := []byte("nmlkjihgfedcba9876543210")
	body := []byte(`{"type":"task.succeeded","data":{}}`)
	now := time.Unix(1_700_000_000, 0)
	const id = "task_1.succeeded"

	tests := []struct {
		name    string
		header  func() http.Header
		body    []byte
		secret  []byte
		wantErr error
	}{
		{
			name:   "round trip",
			header: func() http.Header { return signedHeader(secret, id, now, body) },
		},
		{
			name:   "within tolerance",
			header: func() http.Header { return signedHeader(secret, id, now.Add(-4*time.Minute), body) },
		},
		{
			name:    "wrong secret",
			header:  func() http.Header { return signedHeader(other, id, now, body) },
			wantErr: webhook.ErrNoMatchingSignature,
		},
		{
			name:    "tampered body",
			header:  func() http.Header { return signedHeader(secret, id, now, body) },
			body:    []byte(`{"type":"task.succeeded","data":{"x":1}}`),
			wantErr: webhook.ErrNoMatchingSignature,
		},
		{
			name: "tampered id",
			header: func() http.Header {
				h := signedHeader(secret, id, now, body)
				h.Set(webhook.HeaderID, "task_2.succeeded")
				return h
			},
			wantErr: webhook.ErrNoMatchingSignature,
		},
		{
			name:    "too old",
			header:  func() http.Header { return signedHeader(secret, id, now.Add(-6*time.Minute), body) },
			wantErr: webhook.ErrInvalidTimestamp,
		},
		{
			name:    "in the future",
			header:  func() http.Header { return signedHeader(secret, id, now.Add(6*time.Minute), body) },
			wantErr: webhook.ErrInvalidTimestamp,
		},
		{
			name: "timestamp not a number",
			header: func() http.Header {
				h := signedHeader(secret, id, now, body)
				h.Set(webhook.HeaderTimestamp, "2023-11-14T22:13:20Z")
				return h
			},
			wantErr: webhook.ErrInvalidTimestamp,
		},
		{
			name: "several signatures, one matches",
			header: func() http.Header {
				h := signedHeader(secret, id, now, body)
				h.Set(webhook.HeaderSignature, webhook.Sign(other, id, now, body)+" v1,bm90IGJhc2U2NA "+
					"v1a,abc "+h.Get(webhook.HeaderSignature))
				return h
			},
		},
		{
			name: "several signatures, none matches",
			header: func() http.Header {
				h := signedHeader(other, id, now, body)
				h.Set(webhook.HeaderSignature, h.Get(webhook.HeaderSignature)+" "+webhook.Sign(secret, id, now.Add(time.Second), body))
				return h
			},
			wantErr: webhook.ErrNoMatchingSignature,
		},
		{
			name: "other version only",
			header: func() http.Header {
				h := signedHeader(secret, id, now, body)
				h.Set(webhook.HeaderSignature, "v2"+h.Get(webhook.HeaderSignature)[2:])
				return h
			},
			wantErr: webhook.ErrNoMatchingSignature,
		},
		{
			name:    "empty secret",
			header:  func() http.Header { return signedHeader(nil, id, now, body) },
			secret:  []byte{},
			wantErr: webhook.ErrNoMatchingSignature,
		},
	}
	for _, name := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature} {
		tests = append(tests, struct {
			name    string
			header  func() http.Header
			body    []byte
			secret  []byte
			wantErr error
		}{
			name: "missing " + name,
			header: func() http.Header {
				h := signedHeader(secret, id, now, body)
				h.Del(name)
				return h
			},
			wantErr: webhook.ErrMissingHeader,
		})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, s := body, secret
			if tt.body != nil {
				b = tt.body
			}
			if tt.secret != nil {
				s = tt.secret
			}
			err := webhook.Verify(s, tt.header(), b, 5*time.Minute, now)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			require.Equal(t, easel.CodeUnauthenticated, easel.ErrorCode(err))
		})
	}
}

func TestSecretFormat(t *testing.T) {
	t.Parallel()

	t.Run("round trip", func(t *testing.T) {
		t.Parallel()
		secret, err := webhook.NewSecret()
		require.NoError(t, err)
		require.Len(t, secret, 24)

		text := webhook.FormatSecret(secret)
		require.Regexp(t, regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{32}$`), text)
		got, err := webhook.ParseSecret(text)
		require.NoError(t, err)
		require.Equal(t, secret, got)
	})

	t.Run("new secrets differ", func(t *testing.T) {
		t.Parallel()
		a, err := webhook.NewSecret()
		require.NoError(t, err)
		b, err := webhook.NewSecret()
		require.NoError(t, err)
		require.NotEqual(t, a, b)
	})

	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "with prefix", in: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{name: "without prefix", in: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{name: "not base64", in: "whsec_not*base64!", wantErr: true},
		{name: "too short", in: webhook.FormatSecret([]byte("short")), wantErr: true},
		{name: "too long", in: webhook.FormatSecret(make([]byte, 65)), wantErr: true},
		{name: "empty", in: "whsec_", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := webhook.ParseSecret(tt.in)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
		})
	}
}
