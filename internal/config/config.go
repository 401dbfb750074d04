// Package config holds easel's settings: embedded defaults, then a YAML file,
// then EASEL_ environment variables, then command-line flags. It is the one
// place that reads the environment.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/easelhq/easel/internal/source"
)

// Config is every setting of easel. Each field has a YAML key (its tag) and an
// environment variable: EASEL_ followed by the upper-cased path of YAML keys
// joined with "_", e.g. render.cache_bytes is EASEL_RENDER_CACHE_BYTES.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string `yaml:"addr"`
	// Data is the data directory: metadata database and local blobs.
	Data string `yaml:"data"`
	// Region is this node's region (regions.go): new assets are recorded in
	// it unless an upload names another, and its workers consume its tasks.
	Region string `yaml:"region"`
	// Regions maps every region's name to the base URL of its API; a
	// request for an asset of another region is redirected there (307).
	// Empty: one region.
	Regions map[string]string `yaml:"regions"`

	Log       Log       `yaml:"log"`
	HTTP      HTTP      `yaml:"http"`
	Limits    Limits    `yaml:"limits"`
	Render    Render    `yaml:"render"`
	Delivery  Delivery  `yaml:"delivery"`
	Queue     Queue     `yaml:"queue"`
	Worker    Worker    `yaml:"worker"`
	Callbacks Callbacks `yaml:"callbacks"`
	Vision    Vision    `yaml:"vision"`
	Blob      Blob      `yaml:"blob"`
	Meta      Meta      `yaml:"meta"`
	Keys      Keys      `yaml:"keys"`
	Quotas    Quotas    `yaml:"quotas"`
	Retention Retention `yaml:"retention"`

	// Sources are named remote origins of originals (see docs/configuration.md).
	Sources    map[string]source.Origin `yaml:"sources"`
	Fetch      Fetch                    `yaml:"fetch"`
	Compat     Compat                   `yaml:"compat"`
	Processors Processors               `yaml:"processors"`
	Flows      Flows                    `yaml:"flows"`
	Rules      Rules                    `yaml:"rules"`
	Telemetry  Telemetry                `yaml:"telemetry"`

	Metrics Metrics `yaml:"metrics"`
	Reports Reports `yaml:"reports"`
}

// Keys configures URL signing keys.
type Keys struct {
	// Refresh is how often every node checks whether a signing key was
	// created or revoked elsewhere (one small query): a revoked key stops
	// verifying everywhere within Refresh. The node that revokes a key drops
	// it at once.
	Refresh time.Duration `yaml:"refresh"`
}

// Vision configures face detection and the analysis of uploads.
type Vision struct {
	// Dir holds the BlazeFace model and libonnxruntime (make vision-deps
	// puts them in third_party/vision). Without them the pigo detector is
	// used, and /readyz says so.
	Dir string `yaml:"dir"`
	// MinConfidence is the score (0..1) a BlazeFace detection needs.
	MinConfidence float64 `yaml:"min_confidence"`
	// AnalyzeUploads analyses every upload (faces, hashes, colours) on a
	// worker unless the upload says ?analyze=false.
	AnalyzeUploads bool `yaml:"analyze_uploads"`
	// NearDuplicateDistance is the largest pHash distance (0..16) of the
	// near duplicates an upload reports, and the default max_distance of
	// GET /v1/assets/{id}/similar.
	NearDuplicateDistance int `yaml:"near_duplicate_distance"`
	// NearDuplicateLimit is how many near duplicates an upload reports
	// (1..200), and the default limit of the similar search.
	NearDuplicateLimit int `yaml:"near_duplicate_limit"`
}

// Queue configures the task queue (NATS JetStream).
type Queue struct {
	// URL of an external NATS server or cluster (comma-separated); empty runs
	// an embedded server with its store under the data directory (serve only).
	URL string `yaml:"url"`
	// EmbeddedPort lets other processes reach the embedded server: -1 none
	// (the default), 0 a random port, or a port on 127.0.0.1.
	EmbeddedPort int `yaml:"embedded_port"`
	// Prefix names the streams and subjects, so several easel installations
	// can share one NATS.
	Prefix string `yaml:"prefix"`
	// Replicas is how many servers of a NATS cluster keep each stream: 1
	// (the default, and the only value for the embedded server), 3 on a
	// three-node cluster.
	Replicas int `yaml:"replicas"`
	// AckWait is how long a worker may hold a task without a heartbeat before
	// it is given to another worker.
	AckWait time.Duration `yaml:"ack_wait"`
	// MaxDeliver is the number of attempts of a task.
	MaxDeliver int `yaml:"max_deliver"`
	// Backoff holds the delays before the 2nd, 3rd, ... attempt after a
	// transient failure; the last repeats.
	Backoff []time.Duration `yaml:"backoff"`
	// OutboxInterval is how often tasks left in "accepted" (the queue was
	// down) are republished; OutboxMinAge how old they must be.
	OutboxInterval time.Duration `yaml:"outbox_interval"`
	OutboxMinAge   time.Duration `yaml:"outbox_min_age"`
}

// Worker configures task workers.
type Worker struct {
	// Concurrency is how many tasks a worker runs at once; 0 means one per core.
	Concurrency int `yaml:"concurrency"`
	// Prefetch is how many tasks are fetched ahead of a free slot.
	Prefetch int `yaml:"prefetch"`
	// DrainTimeout is how long SIGTERM waits for running tasks; past it they
	// are returned to the queue.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
	// TaskTimeout bounds one attempt of a task.
	TaskTimeout time.Duration `yaml:"task_timeout"`
	// MetricsAddr is where `easel worker` serves /healthz, /readyz and
	// /metrics (for probes and Prometheus); empty serves nothing. serve and
	// api have them on addr.
	MetricsAddr string `yaml:"metrics_addr"`
	// Regions are the regions whose tasks this worker runs (names of
	// regions); empty means its own region. Only with regions.
	Regions []string `yaml:"regions"`
}

// Callbacks configures task callbacks (Standard Webhooks).
type Callbacks struct {
	// Schedule holds the delays before each retry of a failed callback.
	Schedule []time.Duration `yaml:"schedule"`
	// Timeout bounds one delivery attempt.
	Timeout time.Duration `yaml:"timeout"`
	// AllowPrivate allows callback URLs resolving to private, link-local
	// and CGNAT addresses; AllowLoopback to loopback. Both off by default.
	AllowPrivate  bool `yaml:"allow_private"`
	AllowLoopback bool `yaml:"allow_loopback"`
	// Concurrency is how many callbacks are delivered at once.
	Concurrency int `yaml:"concurrency"`
}

// Log configures structured logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// HTTP configures the HTTP server.
type HTTP struct {
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"` // whole request, upload body included
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"` // how long SIGTERM waits for in-flight work
}

// Limits protect the service from hostile or oversized input.
type Limits struct {
	MaxUploadBytes int64 `yaml:"max_upload_bytes"`
	// MaxVideoBytes bounds a video upload (MP4, MOV, WebM, MKV); images
	// keep MaxUploadBytes.
	MaxVideoBytes int64 `yaml:"max_video_bytes"`
	// MaxVideoDuration bounds a video upload's duration.
	MaxVideoDuration time.Duration `yaml:"max_video_duration"`
	MaxUploads       int           `yaml:"max_uploads"` // uploads checked and stored at once (bodies are streamed to disk first)
	// UploadCheckBytes bounds the bytes of the uploads being checked at once
	// (each is mapped into memory while probed and decode-checked); 0 means
	// 2 x max_upload_bytes.
	UploadCheckBytes int64 `yaml:"upload_check_bytes"`
	// MinUploadRate is the slowest average transfer, in bytes per second, an
	// upload body may keep up once UploadRateGrace has passed (408
	// request_timeout); 0 disables the check.
	MinUploadRate   int64         `yaml:"min_upload_rate"`
	UploadRateGrace time.Duration `yaml:"upload_rate_grace"`
	// IdempotencyTTL is how long an Idempotency-Key of POST /v1/assets is
	// remembered.
	IdempotencyTTL     time.Duration `yaml:"idempotency_ttl"`
	MaxPixels          int           `yaml:"max_pixels"`           // per frame
	MaxPages           int           `yaml:"max_pages"`            // frames of an animation, pages of a document
	MaxAnimationPixels int           `yaml:"max_animation_pixels"` // width x height x frames when all frames are rendered
	MaxOutputPixels    int           `yaml:"max_output_pixels"`
	MaxOutputBytes     int           `yaml:"max_output_bytes"`
}

// Render configures on-the-fly rendering.
type Render struct {
	// Concurrency is how many renders run at once; 0 means one per core.
	Concurrency int `yaml:"concurrency"`
	// QueueLength is how many renders may wait for a slot; past it, 429.
	// 0 means 16 per concurrency slot.
	QueueLength int `yaml:"queue_length"`
	// Timeout is the deadline of one render, queue wait included (504 past it).
	Timeout time.Duration `yaml:"timeout"`
	// CacheBytes bounds the in-memory cache of rendered images; 0 disables it.
	CacheBytes int64 `yaml:"cache_bytes"`
	// StoreVariants keeps rendered images in the blob store, the second cache layer.
	StoreVariants bool `yaml:"store_variants"`
	// Quality holds per-format default qualities (jpeg, webp, avif, jxl).
	Quality map[string]int `yaml:"quality"`
	// Levels are the long sides, in pixels, of the pyramid of levels a
	// worker makes from every upload (only those smaller than the
	// original); renders read the smallest level large enough. Empty
	// turns the pyramid off.
	Levels []int `yaml:"levels"`

	// FinishAbandoned lets a running render whose result is stored as a
	// variant finish when every request waiting for it has gone; off, it is
	// cancelled (a render still queued is always dropped).
	FinishAbandoned bool `yaml:"finish_abandoned"`
}

// Delivery configures delivery URLs.
type Delivery struct {
	// AllowUnsigned accepts "_" as the signature. Off by default.
	AllowUnsigned bool `yaml:"allow_unsigned"`
	// CacheControl is sent with every rendered image.
	CacheControl string `yaml:"cache_control"`
	// Presets maps a name to operations, used as t_<name>.
	Presets map[string]string `yaml:"presets"`
	// PurgeURLs are front caches (Varnish, http://host:port) sent
	// "BAN /" with X-Easel-Ban: <asset id> when an asset is deleted.
	PurgeURLs []string `yaml:"purge_urls"`
}

// Default returns the embedded defaults: everything runs on one machine with
// nothing else installed.
func Default() Config {
	return Config{
		Addr: "127.0.0.1:8080",
		Data: "./easel-data",
		Log:  Log{Level: "info", Format: "text"},
		HTTP: HTTP{
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       5 * time.Minute,
			WriteTimeout:      2 * time.Minute,
			IdleTimeout:       2 * time.Minute,
			ShutdownTimeout:   30 * time.Second,
		},
		Limits: Limits{
			MaxUploadBytes:     50 << 20,
			MaxVideoBytes:      1 << 30,
			MaxVideoDuration:   time.Hour,
			MaxUploads:         8,
			MinUploadRate:      1 << 10,
			UploadRateGrace:    10 * time.Second,
			IdempotencyTTL:     24 * time.Hour,
			MaxPixels:          50_000_000,
			MaxPages:           256,
			MaxAnimationPixels: 200_000_000,
			MaxOutputPixels:    50_000_000,
			MaxOutputBytes:     32 << 20,
		},
		Render: Render{
			Timeout:       30 * time.Second,
			CacheBytes:    256 << 20,
			StoreVariants: true,
			Levels:        []int{2048, 1024, 640, 320}, // transform.DefaultLevelPolicy.Sides
		},
		Queue: Queue{
			EmbeddedPort:   -1,
			Prefix:         "easel",
			Replicas:       1,
			AckWait:        30 * time.Second,
			MaxDeliver:     5,
			Backoff:        []time.Duration{time.Second, 10 * time.Second, time.Minute, 5 * time.Minute},
			OutboxInterval: 5 * time.Second,
			OutboxMinAge:   5 * time.Second,
		},
		Worker: Worker{
			DrainTimeout: 30 * time.Second,
			TaskTimeout:  5 * time.Minute,
		},
		Callbacks: Callbacks{
			Schedule: []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
				5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour},
			Timeout:     10 * time.Second,
			Concurrency: 8,
		},
		Vision: Vision{
			Dir:            "third_party/vision",
			MinConfidence:  0.65,
			AnalyzeUploads: true,

			NearDuplicateDistance: 8,
			NearDuplicateLimit:    20,
		},
		Blob:      defaultBlob(),
		Meta:      defaultMeta(),
		Keys:      Keys{Refresh: 5 * time.Second},
		Fetch:     defaultFetch(),
		Telemetry: defaultTelemetry(),

		Metrics:   defaultMetrics(),
		Reports:   defaultReports(),
		Quotas:    defaultQuotas(),
		Retention: defaultRetention(),
		Delivery: Delivery{
			CacheControl: "public, max-age=31536000, immutable",
			Presets: map[string]string{
				"avatar":    "w_128,h_128,c_fill,g_smart",
				"thumbnail": "w_300,h_300,c_fit",
			},
		},
	}
}

// Load returns the defaults overlaid with the YAML file at path (when path is
// not empty) and then with EASEL_ variables from environ (os.Environ() form).
func Load(path string, environ []string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytesReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, errEOF) {
			return c, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := applyEnv(&c, environ); err != nil {
		return c, err
	}
	return c, nil
}

// RenderConcurrency is Render.Concurrency with 0 resolved to the core count.
func (c Config) RenderConcurrency() int {
	if c.Render.Concurrency > 0 {
		return c.Render.Concurrency
	}
	return runtime.GOMAXPROCS(0)
}

// RenderQueueLength is Render.QueueLength with 0 resolved.
func (c Config) RenderQueueLength() int {
	if c.Render.QueueLength > 0 {
		return c.Render.QueueLength
	}
	return 16 * c.RenderConcurrency()
}

// WorkerConcurrency is Worker.Concurrency with 0 resolved to the core count.
func (c Config) WorkerConcurrency() int {
	if c.Worker.Concurrency > 0 {
		return c.Worker.Concurrency
	}
	return runtime.GOMAXPROCS(0)
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("config: addr is empty")
	case c.Data == "":
		return errors.New("config: data is empty")
	case c.Limits.MaxUploadBytes <= 0 || c.Limits.MaxUploads <= 0:
		return errors.New("config: limits.max_upload_bytes and limits.max_uploads must be positive")
	case c.Limits.MaxVideoBytes <= 0 || c.Limits.MaxVideoDuration <= 0:
		return errors.New("config: limits.max_video_bytes and limits.max_video_duration must be positive")
	case c.Limits.MinUploadRate < 0 || c.Limits.UploadRateGrace < 0 || c.Limits.IdempotencyTTL <= 0:
		return errors.New("config: limits.min_upload_rate and limits.upload_rate_grace must not be negative, limits.idempotency_ttl must be positive")
	case c.Limits.MaxPixels <= 0 || c.Limits.MaxPages <= 0 || c.Limits.MaxOutputPixels <= 0 || c.Limits.MaxOutputBytes <= 0:
		return errors.New("config: limits must be positive")
	case c.Render.Concurrency < 0 || c.Render.QueueLength < 0 || c.Render.CacheBytes < 0:
		return errors.New("config: render.concurrency, render.queue_length and render.cache_bytes must not be negative")
	case c.Render.Timeout <= 0:
		return errors.New("config: render.timeout must be positive")
	case slices.ContainsFunc(c.Render.Levels, func(s int) bool { return s < 16 || s > 16384 }):
		return errors.New("config: render.levels must be long sides of 16..16384 pixels")
	case c.HTTP.ShutdownTimeout <= 0:
		return errors.New("config: http.shutdown_timeout must be positive")
	case c.Queue.AckWait < time.Second || c.Queue.MaxDeliver < 1 || len(c.Queue.Backoff) == 0:
		return errors.New("config: queue.ack_wait must be at least 1s, queue.max_deliver at least 1, queue.backoff not empty")
	case c.Queue.Replicas < 1 || c.Queue.Replicas > 5:
		return errors.New("config: queue.replicas must be 1..5")
	case c.Queue.OutboxInterval <= 0 || c.Queue.OutboxMinAge < 0:
		return errors.New("config: queue.outbox_interval must be positive")
	case c.Worker.Concurrency < 0 || c.Worker.Prefetch < 0 || c.Worker.DrainTimeout <= 0 || c.Worker.TaskTimeout <= 0:
		return errors.New("config: worker settings must not be negative; drain and task timeouts positive")
	case c.Vision.MinConfidence < 0 || c.Vision.MinConfidence > 1:
		return errors.New("config: vision.min_confidence must be 0..1")
	case c.Vision.NearDuplicateDistance < 0 || c.Vision.NearDuplicateDistance > 16:
		return errors.New("config: vision.near_duplicate_distance must be 0..16")
	case c.Vision.NearDuplicateLimit < 1 || c.Vision.NearDuplicateLimit > 200:
		return errors.New("config: vision.near_duplicate_limit must be 1..200")
	case c.Keys.Refresh <= 0:
		return errors.New("config: keys.refresh must be positive")
	case len(c.Callbacks.Schedule) == 0 || c.Callbacks.Timeout <= 0 || c.Callbacks.Concurrency < 1:
		return errors.New("config: callbacks.schedule must not be empty, timeout and concurrency positive")
	}
	if err := c.Blob.validate(); err != nil {
		return err
	}
	if err := c.validateSources(); err != nil {
		return err
	}
	if err := c.Meta.validate(); err != nil {
		return err
	}
	if err := c.Quotas.validate(); err != nil {
		return err
	}
	if err := c.Retention.validate(); err != nil {
		return err
	}
	if err := c.Telemetry.validate(); err != nil {
		return err
	}
	if err := c.Metrics.validate(); err != nil {
		return err
	}
	if err := c.Reports.validate(); err != nil {
		return err
	}
	if err := c.validateRegions(); err != nil {
		return err
	}
	for _, u := range c.Delivery.PurgeURLs {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("config: delivery.purge_urls: %q is not an http(s) URL", u)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("config: log.format %q: want text or json", c.Log.Format)
	}
	return nil
}

// MaxBodyBytes is the largest upload body of any kind: the larger of
// limits.max_upload_bytes and limits.max_video_bytes.
func (c Config) MaxBodyBytes() int64 { return max(c.Limits.MaxUploadBytes, c.Limits.MaxVideoBytes) }
