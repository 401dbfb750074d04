package main

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

// slowUpload opens a connection that announces a raw upload of size bytes
// and sends one byte a second until stop is closed; it returns the
// connection, whose response the caller may read.
func slowUpload(t *testing.T, s *server, size int, stop <-chan struct{}) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = fmt.Fprintf(conn, "POST /v1/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", s.apiKey, size)
	require.NoError(t, err)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for range size {
			if _, err := conn.Write([]byte{0xff}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return conn
}

// TestSlowUploadersHoldNoSlot: twenty connections sending a byte a second
// (more than limits.max_uploads) do not delay another client's small upload,
// and are cut with 408 request_timeout once the rate grace has passed.
func TestSlowUploadersHoldNoSlot(t *testing.T) {
	s := startServer(t, "EASEL_LIMITS_UPLOAD_RATE_GRACE=4s", "EASEL_LIMITS_MIN_UPLOAD_RATE=1024")
	stop := make(chan struct{})
	defer close(stop)
	var conns []net.Conn
	for range 20 {
		conns = append(conns, slowUpload(t, s, 100_000, stop))
	}
	time.Sleep(500 * time.Millisecond) // every slow body has started
	small := testimages.Path(t, "phash/goimagehash_sample3.jpg")
	began := time.Now()
	status, body := s.upload(t, small)
	took := time.Since(began)
	require.Equal(t, http.StatusCreated, status, "%v", body)
	t.Logf("small upload beside 20 slow ones: %v", took)
	require.Less(t, took, 1500*time.Millisecond, "the slow uploads hold no slot")

	// Past the grace, the slow uploads are cut.
	require.NoError(t, conns[0].SetReadDeadline(time.Now().Add(15*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conns[0]), nil)
	require.NoError(t, err, "the server answers the slow upload")
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	require.Equal(t, "request_timeout", e.Error.Code)
}

// bigJPEG writes a valid JPEG of about 49 MB (5400x5400 grey noise at
// quality 100) with vips, once per test run.
func bigJPEG(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("vips"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("vips (libvips-tools) is required")
		}
		t.Skip("vips (libvips-tools) is not installed")
	}
	path := filepath.Join(t.TempDir(), "big.jpg")
	out, err := exec.Command("vips", "gaussnoise", path+"[Q=100]", "5400", "5400", "--sigma", "120", "--mean", "128").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return path
}

// postMultipart streams the file (or size random bytes when path is "") as
// the multipart field "file" and returns the status and error code.
func postMultipart(s *server, path string, size int64) (int, string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "big.jpg")
		if err == nil {
			if path != "" {
				var f *os.File
				if f, err = os.Open(path); err == nil {
					_, err = io.Copy(fw, f)
					f.Close()
				}
			} else {
				_, err = io.CopyN(fw, rand.Reader, size)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", s.base+"/v1/assets?analyze=false", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error.Code, nil
}

// TestConcurrentLargeUploadsPeakRSS: eight concurrent 49 MB multipart
// uploads keep `easel serve` under 200 MB of peak RSS, both when they are
// valid JPEGs (probed, decode-checked and stored) and when they are random
// bytes (streamed, then refused with 415).
func TestConcurrentLargeUploadsPeakRSS(t *testing.T) {
	big := bigJPEG(t)
	st, err := os.Stat(big)
	require.NoError(t, err)
	tests := []struct {
		name       string
		path       string
		wantStatus int
	}{
		{name: "valid JPEGs", path: big, wantStatus: http.StatusCreated},
		{name: "random bytes", path: "", wantStatus: http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The upload path alone: the analysis and levels tasks that
			// `serve`'s own worker would run on eight 29 MP photos are
			// measured elsewhere.
			s := startServer(t, "EASEL_RENDER_LEVELS=", "EASEL_VISION_ANALYZE_UPLOADS=false")
			var wg sync.WaitGroup
			results := make([]string, 8)
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, code, err := postMultipart(s, tt.path, st.Size())
					results[i] = fmt.Sprintf("%d %s %v", status, code, err)
				}()
			}
			wg.Wait()
			for _, r := range results {
				require.True(t, strings.HasPrefix(r, fmt.Sprint(tt.wantStatus)), "%s", r)
			}
			rss := peakRSS(t, s.cmd.Process.Pid)
			t.Logf("%s: 8 x %d MB, peak RSS %d MiB", tt.name, st.Size()/1e6, rss>>20)
			require.Less(t, rss, int64(200<<20))
		})
	}
}
