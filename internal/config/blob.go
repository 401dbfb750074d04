package config

import (
	"fmt"
	"net/url"
	"time"
)

// Blob configures where originals and rendered variants are stored.
type Blob struct {
	// Backend is "fs" (a local directory, the default) or "s3" (any
	// S3-compatible server; then api and worker need no shared folder).
	Backend string `yaml:"backend"`
	// Path is the fs backend's directory; empty means <data>/blobs.
	Path string `yaml:"path"`
	// S3 configures the s3 backend.
	S3 BlobS3 `yaml:"s3"`
	// Secondary is a second origin: writes fall over to it when the
	// primary fails, reads try it when the primary lacks a blob, and a
	// reconciler copies what either side is missing.
	Secondary BlobSecondary `yaml:"secondary"`
}

// BlobS3 configures an S3-compatible origin.
type BlobS3 struct {
	// Endpoint is the server's base URL; empty means AWS S3.
	Endpoint string `yaml:"endpoint"`
	Bucket   string `yaml:"bucket"`
	Region   string `yaml:"region"`
	// AccessKey and SecretKey are static credentials; put the secret in
	// the environment (EASEL_BLOB_S3_SECRET_KEY), not in a file.
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	// PathStyle puts the bucket in the path (http://host/bucket/key)
	// instead of the host name; most self-hosted servers need it.
	PathStyle bool `yaml:"path_style"`
	// Prefix is put before every key, e.g. "easel/"; it ends with "/".
	Prefix string `yaml:"prefix"`
	// Timeout bounds one request with its retries.
	Timeout time.Duration `yaml:"timeout"`
}

// BlobSecondary configures the secondary origin. An empty Backend means none.
type BlobSecondary struct {
	// Backend is "", "fs" or "s3".
	Backend string `yaml:"backend"`
	// Path is the fs backend's directory (required: it must differ from
	// the primary's).
	Path string `yaml:"path"`
	S3   BlobS3 `yaml:"s3"`
	// PrimaryTimeout bounds a write to the primary before it falls over to
	// the secondary; 0 leaves it to the primary's own timeouts.
	PrimaryTimeout time.Duration `yaml:"primary_timeout"`
	// SyncInterval is the time between two reconciler passes.
	SyncInterval time.Duration `yaml:"sync_interval"`
	// Journal is the file where this process records what the reconciler
	// owes; empty means <data>/blob-journal. Processes sharing a data
	// directory need distinct journals.
	Journal string `yaml:"journal"`
}

// defaultBlob is the embedded default: blobs in <data>/blobs.
func defaultBlob() Blob {
	s3 := BlobS3{Region: "us-east-1", Timeout: 30 * time.Second}
	return Blob{
		Backend:   "fs",
		S3:        s3,
		Secondary: BlobSecondary{S3: s3, SyncInterval: time.Minute},
	}
}

// validate reports the first blob setting that cannot work, naming it.
func (b Blob) validate() error {
	switch b.Backend {
	case "fs":
	case "s3":
		if err := b.S3.validate("blob.s3"); err != nil {
			return err
		}
	default:
		return fmt.Errorf("config: blob.backend %q: want fs or s3", b.Backend)
	}
	sec := b.Secondary
	switch sec.Backend {
	case "":
		return nil
	case "fs":
		if sec.Path == "" {
			return fmt.Errorf("config: blob.secondary.path is empty (the fs secondary needs its own directory)")
		}
		if b.Backend == "fs" && sec.Path == b.Path {
			return fmt.Errorf("config: blob.secondary.path is blob.path: the two origins must differ")
		}
	case "s3":
		if err := sec.S3.validate("blob.secondary.s3"); err != nil {
			return err
		}
		if b.Backend == "s3" && sec.S3.Endpoint == b.S3.Endpoint && sec.S3.Bucket == b.S3.Bucket && sec.S3.Prefix == b.S3.Prefix {
			return fmt.Errorf("config: blob.secondary.s3 names the same bucket and prefix as blob.s3")
		}
	default:
		return fmt.Errorf("config: blob.secondary.backend %q: want fs, s3 or empty", sec.Backend)
	}
	if sec.PrimaryTimeout < 0 || sec.SyncInterval <= 0 {
		return fmt.Errorf("config: blob.secondary.primary_timeout must not be negative, blob.secondary.sync_interval must be positive")
	}
	return nil
}

func (s BlobS3) validate(name string) error {
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: %s.endpoint %q: want an http(s) URL", name, s.Endpoint)
		}
	}
	switch {
	case s.Bucket == "":
		return fmt.Errorf("config: %s.bucket is empty", name)
	case s.AccessKey == "":
		return fmt.Errorf("config: %s.access_key is empty", name)
	case s.SecretKey == "":
		return fmt.Errorf("config: %s.secret_key is empty", name)
	case s.Timeout <= 0:
		return fmt.Errorf("config: %s.timeout must be positive", name)
	}
	return nil
}
