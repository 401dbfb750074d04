package s3_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/blobtest"
	"github.com/easelhq/easel/internal/blob/s3"
	"github.com/easelhq/easel/internal/blob/s3/s3test"
)

func server(t *testing.T) *s3test.Server {
	t.Helper()
	// A server per top-level test keeps t.Cleanup ownership simple.
	return s3test.Start(t)
}

func config(srv *s3test.Server, bucket string) s3.Config {
	return s3.Config{
		Endpoint: srv.Endpoint, Bucket: bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		PathStyle: true, Timeout: 20 * time.Second, PartSize: s3.MinPartSize,
	}
}

func newStore(t *testing.T, cfg s3.Config) *s3.Store {
	t.Helper()
	s, err := s3.New(context.Background(), cfg)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	srv := server(t)
	blobtest.Run(t, func(t *testing.T) easel.BlobStore {
		return newStore(t, config(srv, srv.NewBucket()))
	})
}

func TestConformanceWithPrefix(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket()
	var mu sync.Mutex
	n := 0
	blobtest.Run(t, func(t *testing.T) easel.BlobStore {
		mu.Lock()
		n++
		prefix := "tenant-" + string(rune('a'+n)) + "/"
		mu.Unlock()
		cfg := config(srv, bucket)
		cfg.Prefix = prefix
		return newStore(t, cfg)
	})
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// onlyReader hides every method but Read, so nothing can seek or size it.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestMultipartAndContentType(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket()
	cfg := config(srv, bucket)
	cfg.Prefix = "p/"
	s := newStore(t, cfg)
	ctx := context.Background()
	raw := srv.Client()

	pngHead := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	tests := []struct {
		name      string
		key       string
		data      []byte
		wantType  string
		multipart bool
	}{
		{"small, sniffed", "originals/ab/abc", append(pngHead, randomBytes(t, 1000)...), "image/png", false},
		{"small, by extension", "variants/x/w_100.webp", randomBytes(t, 1000), "image/webp", false},
		{"three parts", "big/blob", randomBytes(t, 2*s3.MinPartSize+12345), "application/octet-stream", true},
		{"exactly one part", "big/one", randomBytes(t, s3.MinPartSize), "application/octet-stream", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, s.Put(ctx, tt.key, onlyReader{bytes.NewReader(tt.data)}))
			head, err := raw.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("p/" + tt.key)})
			require.NoError(t, err, "the object is not stored under the prefix")
			require.Equal(t, tt.wantType, aws.ToString(head.ContentType))
			// A multipart upload's ETag ends in "-<parts>".
			require.Equal(t, tt.multipart, strings.Contains(aws.ToString(head.ETag), "-"), "ETag %s", aws.ToString(head.ETag))
			rc, err := s.Get(ctx, tt.key)
			require.NoError(t, err)
			got, err := io.ReadAll(rc)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
			require.True(t, bytes.Equal(tt.data, got), "data differs")
		})
	}

	t.Run("no multipart upload left after a failure", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		r := io.MultiReader(bytes.NewReader(randomBytes(t, 2*s3.MinPartSize)), cancelOnRead{cancel})
		require.ErrorIs(t, s.Put(ctx, "big/cancelled", r), context.Canceled)
		ups, err := raw.ListMultipartUploads(context.Background(), &awss3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
		require.NoError(t, err)
		require.Empty(t, ups.Uploads)
	})
}

type cancelOnRead struct{ cancel context.CancelFunc }

func (c cancelOnRead) Read(p []byte) (int, error) {
	c.cancel()
	return copy(p, "z"), nil
}

func TestNewNamesTheSetting(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket()
	down := "http://" + closedAddr(t)
	tests := []struct {
		name string
		edit func(*s3.Config)
		want string
	}{
		{"wrong access key", func(c *s3.Config) { c.AccessKey = "nobody" }, "blob.s3.access_key"},
		{"wrong secret key", func(c *s3.Config) { c.SecretKey = "wrong-secret-0123456789" }, "blob.s3.secret_key"},
		{"missing bucket", func(c *s3.Config) { c.Bucket = "no-such-bucket" }, `blob.s3.bucket "no-such-bucket" does not exist`},
		{"unreachable endpoint", func(c *s3.Config) { c.Endpoint = down; c.MaxAttempts = 1 }, "blob.s3.endpoint"},
		{"secondary named", func(c *s3.Config) { c.Bucket = "no-such-bucket"; c.Setting = "blob.secondary.s3" }, "blob.secondary.s3.bucket"},
		{"empty bucket", func(c *s3.Config) { c.Bucket = "" }, "blob.s3.bucket: is empty"},
		{"bad endpoint", func(c *s3.Config) { c.Endpoint = "127.0.0.1:9" }, "blob.s3.endpoint"},
		{"bad prefix", func(c *s3.Config) { c.Prefix = "Easel" }, "blob.s3.prefix"},
		{"small parts", func(c *s3.Config) { c.PartSize = 1 << 20 }, "blob.s3.part_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(srv, bucket)
			tt.edit(&cfg)
			_, err := s3.New(context.Background(), cfg)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

// closedAddr returns a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestVirtualHostAddressing(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket()
	// Every host name resolves to the server, as a wildcard DNS record
	// would; the proxy-free transport records the hosts asked for.
	var mu sync.Mutex
	hosts := map[string]bool{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, strings.TrimPrefix(srv.Endpoint, "http://"))
	}}
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		hosts[r.URL.Hostname()] = true
		mu.Unlock()
		return tr.RoundTrip(r)
	})}
	cfg := config(srv, bucket)
	cfg.PathStyle = false
	cfg.Endpoint = "http://" + s3test.VirtualDomain + ":" + strings.Split(srv.Endpoint, ":")[2]
	cfg.HTTPClient = client
	s, err := s3.New(context.Background(), cfg)
	require.NoError(t, err)
	require.NoError(t, s.Put(context.Background(), "a/b", strings.NewReader("virtual")))
	rc, err := s.Get(context.Background(), "a/b")
	require.NoError(t, err)
	b, _ := io.ReadAll(rc)
	rc.Close()
	require.Equal(t, "virtual", string(b))
	require.Equal(t, map[string]bool{bucket + "." + s3test.VirtualDomain: true}, hosts)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRetriesWhileServerRestarts(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket()
	cfg := config(srv, bucket)
	cfg.MaxAttempts = 20
	s := newStore(t, cfg)
	ctx := context.Background()
	require.NoError(t, s.Put(ctx, "k", strings.NewReader("before")))

	srv.Stop()
	go func() {
		time.Sleep(700 * time.Millisecond)
		srv.Restart()
	}()
	// Connections are refused for a while; the retries outlast it.
	require.NoError(t, s.Put(ctx, "k2", strings.NewReader("during")))
	info, err := s.Stat(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, int64(len("before")), info.Size)
}

func TestPerCallTimeout(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	s, err := s3.NewUnchecked(s3.Config{
		Endpoint: "http://" + l.Addr().String(), Bucket: "bucket", AccessKey: "a", SecretKey: "b",
		PathStyle: true, Timeout: 300 * time.Millisecond, MaxAttempts: 1,
	})
	require.NoError(t, err)
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"get", func(ctx context.Context) error { _, err := s.Get(ctx, "k"); return err }},
		{"stat", func(ctx context.Context) error { _, err := s.Stat(ctx, "k"); return err }},
		{"put", func(ctx context.Context) error { return s.Put(ctx, "k", strings.NewReader("x")) }},
		{"ping", func(ctx context.Context) error { return s.Ping(ctx) }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			err := c.call(context.Background())
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}
