package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/easelhq/easel/client"
)

// fakeEasel answers a few routes the way easel does, so the examples run
// without a server. down makes it answer 503 like an origin being drained.
func fakeEasel(down bool) *httptest.Server {
	var polls atomic.Int32
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case down:
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":{"code":"overloaded","message":"draining"}}`)
		case r.Method == "POST" && r.URL.Path == "/v1/assets" && !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer eut_"):
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"asset":{"id":"01asset","format":"jpeg","width":640,"height":480,"bytes":4},
				"task":{"id":"01task","asset_id":"01asset","state":"queued","ops":["w_300,f_webp"]}}`)
		case r.URL.Path == "/v1/tasks/01task":
			state := "running"
			if polls.Add(1) >= 2 {
				state = "succeeded"
			}
			fmt.Fprintf(w, `{"id":"01task","state":%q,"outputs":[{"ops":"w_300,f_webp","format":"webp","width":300,"height":225,"url":"/i/sig/w_300,f_webp/01asset"}]}`, state)
		case r.Method == "POST" && r.URL.Path == "/v1/upload-tokens" && r.Header.Get("Authorization") == "Bearer ek_server":
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"token":"eut_abc.def","expires_at":"2026-12-02T10:10:00Z","max_bytes":10485760,"types":["jpeg","png"]}`)
		case r.Method == "POST" && r.URL.Path == "/v1/assets" && r.Header.Get("Authorization") == "Bearer eut_abc.def":
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":"01browser","format":"png","width":64,"height":64,"bytes":4}`)
		case r.Header.Get("Authorization") == "Bearer eut_abc.def":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"code":"scope_missing","message":"an upload token can only upload"}}`)
		case r.URL.Path == "/v1/assets" && r.URL.Query().Get("cursor") == "":
			io.WriteString(w, `{"items":[{"id":"a3"},{"id":"a2"}],"next_cursor":"c1"}`)
		case r.URL.Path == "/v1/assets":
			io.WriteString(w, `{"items":[{"id":"a1"}]}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"code":"not_found","message":"no asset gone"}}`)
		}
	}))
}

// Upload a photo with an operation, then wait for the task that renders it.
func Example_upload() {
	srv := fakeEasel(false)
	defer srv.Close()
	c, _ := client.New([]string{srv.URL}, client.WithAPIKey("ek_..."))
	ctx := context.Background()

	res, err := c.Upload(ctx, client.UploadRequest{
		Reader: strings.NewReader("JPEG"), Name: "photo.jpg", Ops: []string{"w_300,f_webp"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("asset", res.Asset.ID, res.Asset.Width, "x", res.Asset.Height, "task", res.Task.State)
	task, err := c.WaitTask(ctx, res.Task.ID, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(task.State, task.Outputs[0].URL)
	// Output:
	// asset 01asset 640 x 480 task queued
	// succeeded /i/sig/w_300,f_webp/01asset
}

// A failed origin falls over to the next one.
func Example_failover() {
	down, up := fakeEasel(true), fakeEasel(false)
	defer down.Close()
	defer up.Close()
	c, _ := client.New([]string{down.URL, up.URL}, client.WithAPIKey("ek_..."))
	res, err := c.Upload(context.Background(), client.UploadRequest{Reader: strings.NewReader("JPEG"), Name: "a.jpg"})
	fmt.Println(res.Asset.ID, err)
	// Output:
	// 01asset <nil>
}

// Errors carry the server's stable code.
func Example_errors() {
	srv := fakeEasel(false)
	defer srv.Close()
	c, _ := client.New([]string{srv.URL}, client.WithAPIKey("ek_..."))
	_, err := c.GetAsset(context.Background(), "gone")
	var e *client.Error
	fmt.Println(errors.Is(err, client.ErrNotFound), errors.As(err, &e) && e.Status == 404, e.Code)
	// Output:
	// true true not_found
}

// ListAssets pages through the tenant's assets.
func Example_listAssets() {
	srv := fakeEasel(false)
	defer srv.Close()
	c, _ := client.New([]string{srv.URL}, client.WithAPIKey("ek_..."))
	for a, err := range c.ListAssets(context.Background(), 2) {
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Print(a.ID, " ")
	}
	fmt.Println()
	// Output:
	// a3 a2 a1
}

// SignURL builds a delivery URL with a tenant signing key, offline.
func Example_signURL() {
	c, _ := client.New([]string{"https://img.example.com"})
	u, err := c.SignURL(client.SigningKey{ID: "sk_1", Secret: []byte("secret")}, "w_300,h_200,c_fill,f_webp", "01asset", "")
	fmt.Println(u, err)
	// Output:
	// https://img.example.com/i/2ql3AJujzmoj345f16LQwQ/w_300,h_200,c_fill,f_webp/01asset <nil>
}

// WithRetries and WithBackoff bound how long a request insists.
func ExampleWithRetries() {
	c, _ := client.New([]string{"http://127.0.0.1:1"}, client.WithRetries(2), client.WithBackoff(time.Millisecond, 10*time.Millisecond))
	_, err := c.GetTask(context.Background(), "t")
	fmt.Println(client.CodeOf(err) == "", client.IsRetryable(err))
	// Output:
	// true false
}

// The business's server asks for an upload token with its API key; a
// browser or app uploads with it, and can do nothing else.
func Example_uploadToken() {
	srv := fakeEasel(false)
	defer srv.Close()
	ctx := context.Background()

	// On the business's server:
	server, _ := client.New([]string{srv.URL}, client.WithAPIKey("ek_server"))
	tok, err := server.CreateUploadToken(ctx, client.UploadTokenRequest{
		ExpiresIn: 10 * time.Minute, MaxBytes: 10 << 20, Types: []string{"jpeg", "png"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("token until", tok.ExpiresAt.Format(time.RFC3339), "for", tok.Types)

	// In the browser or app, given tok.Token:
	app, _ := client.New([]string{srv.URL}, client.WithUploadToken(tok.Token))
	res, err := app.Upload(ctx, client.UploadRequest{Reader: strings.NewReader("PNG!"), Name: "avatar.png"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("uploaded", res.Asset.ID)
	_, err = app.ListAssetsPage(ctx, 10, "")
	fmt.Println(errors.Is(err, client.ErrScopeMissing))
	// Output:
	// token until 2026-12-02T10:10:00Z for [jpeg png]
	// uploaded 01browser
	// true
}
