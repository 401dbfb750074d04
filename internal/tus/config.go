package tus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Config configures a Handler.
type Config struct {
	// BasePath is where the handler is mounted, e.g. "/v1/uploads".
	BasePath string
	// MaxSize is the largest Upload-Length accepted, in bytes.
	MaxSize int64
	// Expiry is how long an unfinished upload lives after its last PATCH,
	// and how long a finished upload's record is kept.
	Expiry time.Duration
	// MaxMetadataBytes caps the Upload-Metadata header.
	MaxMetadataBytes int
	// ReadTimeout ends a PATCH whose body sends nothing for this long.
	ReadTimeout time.Duration
	// MinRate is the slowest average transfer, in bytes per second, a PATCH
	// may keep up once RateGrace has passed; 0 disables the check.
	MinRate int64
	// RateGrace is how long a PATCH may run before MinRate applies.
	RateGrace time.Duration
	// JanitorInterval is how often expired uploads are deleted.
	JanitorInterval time.Duration
	// JanitorBatch is the most uploads the janitor deletes in one pass.
	JanitorBatch int
	// RespectForwardedHeaders builds the Location of a new upload from
	// X-Forwarded-Host/-Proto and Forwarded (behind a trusted proxy only).
	RespectForwardedHeaders bool
	// WriteError writes err as the project's JSON error response (the lead
	// wires httpapi's error writer here: only httpapi maps codes to
	// statuses). Required.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
}

// NewDefaultConfig returns a Config with the defaults: mounted at
// /v1/uploads, 5 GiB, 24 h expiry, 4 KiB of metadata, 30 s read timeout,
// at least 1 KiB/s after 30 s, a janitor pass each minute of up to 100
// uploads. WriteError must still be set.
func NewDefaultConfig() Config {
	return Config{
		BasePath:         "/v1/uploads",
		MaxSize:          5 << 30,
		Expiry:           24 * time.Hour,
		MaxMetadataBytes: 4 << 10,
		ReadTimeout:      30 * time.Second,
		MinRate:          1 << 10,
		RateGrace:        30 * time.Second,
		JanitorInterval:  time.Minute,
		JanitorBatch:     100,
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case !strings.HasPrefix(c.BasePath, "/") || strings.HasSuffix(c.BasePath, "/"):
		return fmt.Errorf("tus: base path %q must start and not end with /", c.BasePath)
	case c.MaxSize <= 0:
		return errors.New("tus: max size must be positive")
	case c.Expiry <= 0:
		return errors.New("tus: expiry must be positive")
	case c.MaxMetadataBytes <= 0:
		return errors.New("tus: max metadata bytes must be positive")
	case c.ReadTimeout <= 0:
		return errors.New("tus: read timeout must be positive")
	case c.MinRate < 0 || c.RateGrace < 0:
		return errors.New("tus: min rate and rate grace must not be negative")
	case c.JanitorInterval <= 0 || c.JanitorBatch <= 0:
		return errors.New("tus: janitor interval and batch must be positive")
	case c.WriteError == nil:
		return errors.New("tus: WriteError is required")
	}
	return nil
}

// AuthFunc authenticates a request (an API key or an upload token): it
// returns the caller's tenant and its byte cap for one upload (0: no cap
// beyond Config.MaxSize), or an error (an *easel.Error, written with
// Config.WriteError) that refuses the request.
type AuthFunc func(r *http.Request) (tenant string, maxBytes int64, err error)

// CompleteFunc is the upload use case's door: it receives a finished upload
// of tenant, reads it through up.Open, and returns the ID of the asset it
// made. ctx carries the values of the completing request's context (what an
// authentication middleware in front of the Handler put there, e.g. an
// upload token's ops and flow) and ends shortly after that request's client
// goes away. Its error is sent to the client through Config.WriteError; the
// upload is then deleted unless the code is internal, overloaded or
// deadline_exceeded (the client may then retry the completion).
type CompleteFunc func(ctx context.Context, tenant string, up Upload) (assetID string, err error)

// Upload is a finished upload handed to a CompleteFunc.
type Upload struct {
	// ID is the tus upload ID.
	ID string
	// Size is the number of bytes.
	Size int64
	// Metadata is the decoded Upload-Metadata (tus clients send the file
	// name as "filename").
	Metadata map[string]string

	open func() (io.ReadCloser, error)
}

// Open streams the upload's bytes; the caller closes the reader.
func (u Upload) Open() (io.ReadCloser, error) { return u.open() }
