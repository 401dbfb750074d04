package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/config"
)

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(body, &v), string(body))
	return v
}

// TestSignEndpoint: POST /v1/sign signs what delivery verifies, and names
// the item at fault in bad operations.
func TestSignEndpoint(t *testing.T) {
	b := start(t, nil)
	asset := b.upload(t, noisePNG(t, 1, 64, 48), "?analyze=false")
	id := asset["id"].(string)
	type signed struct{ Path string }

	resp, out := b.do(t, "POST", "/v1/sign", strings.NewReader(fmt.Sprintf(`{"asset_id":%q,"ops":"f_webp,w_32"}`, id)))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	s := decode[signed](t, out)
	require.True(t, strings.HasPrefix(s.Path, "/i/") && strings.HasSuffix(s.Path, "/w_32,f_webp/"+id), "canonical: %s", s.Path)
	resp, img := b.do(t, "GET", s.Path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(img))
	require.Equal(t, "image/webp", resp.Header.Get("Content-Type"))

	// With an extension; the original.
	resp, out = b.do(t, "POST", "/v1/sign", strings.NewReader(fmt.Sprintf(`{"asset_id":%q,"ops":"w_16","ext":"png"}`, id)))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	s = decode[signed](t, out)
	require.True(t, strings.HasSuffix(s.Path, "/w_16/"+id+".png"), s.Path)
	resp, _ = b.do(t, "GET", s.Path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	resp, out = b.do(t, "POST", "/v1/sign", strings.NewReader(fmt.Sprintf(`{"asset_id":%q,"ops":"-"}`, id)))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	resp, _ = b.do(t, "GET", decode[signed](t, out).Path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{fmt.Sprintf(`{"asset_id":%q,"ops":"w_300,zz_9"}`, id), 400, "zz_9"},
		{fmt.Sprintf(`{"asset_id":%q,"ops":"w_abc"}`, id), 400, "w_abc"},
		{`{"ops":"w_1"}`, 400, "asset_id is required"},
		{`{"asset_id":"01kaj5zzzzzzzzzzzzzzzzzzzz","ops":"w_1"}`, 404, "not found"},
		{`{"asset_id":"x","ops":"w_1","bogus":1}`, 400, "bogus"},
	} {
		resp, out := b.do(t, "POST", "/v1/sign", strings.NewReader(tc.body))
		require.Equal(t, tc.status, resp.StatusCode, "%s: %s", tc.body, out)
		require.Contains(t, string(out), tc.want, tc.body)
	}
	req, _ := http.NewRequest("POST", b.url+"/v1/sign", strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "an API key is needed")
}

type taskList struct {
	Items []struct {
		ID, AssetID, Kind, State string
		Ops                      []string
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (b *bundle) tasks(t *testing.T, query string) taskList {
	t.Helper()
	resp, out := b.do(t, "GET", "/v1/tasks?"+query, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	var l taskList
	require.NoError(t, json.Unmarshal(out, &l))
	for i := range l.Items { // asset_id in JSON
		var raw struct {
			Items []struct {
				AssetID string `json:"asset_id"`
			} `json:"items"`
		}
		require.NoError(t, json.Unmarshal(out, &raw))
		l.Items[i].AssetID = raw.Items[i].AssetID
	}
	return l
}

// TestFlowsAndTasksOverTheAPI defines a flow over the API, runs it, lists
// its task among the tenant's, and edits and deletes it; and reads and
// checks the rules.
func TestFlowsAndTasksOverTheAPI(t *testing.T) {
	flowsDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(flowsDir, "file-thumb.yaml"),
		[]byte("name: file-thumb\nsteps:\n  - id: s\n    processor: image.render\n    params: {ops: \"w_10,f_png\"}\n"), 0o644))
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	rulesYAML := "- name: wide\n  when: \"width > 5000\"\n  flow: file-thumb\n"
	require.NoError(t, os.WriteFile(rulesFile, []byte(rulesYAML), 0o644))
	b := start(t, func(c *config.Config) { c.Flows.Dir, c.Rules.File = flowsDir, rulesFile })
	one := b.upload(t, noisePNG(t, 2, 80, 60), "?analyze=false")["id"].(string)
	two := b.upload(t, noisePNG(t, 3, 80, 60), "?analyze=false")["id"].(string)

	yaml := "name: api-thumb\nsteps:\n  - id: small\n    processor: image.render\n    params: {ops: \"w_20,f_png\"}\n"
	resp, out := b.do(t, "PUT", "/v1/flows/api-thumb", strings.NewReader(yaml), "Content-Type", "application/yaml")
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	require.Equal(t, "/v1/flows/api-thumb?version=1", resp.Header.Get("Location"))
	resp, out = b.do(t, "PUT", "/v1/flows/api-thumb", strings.NewReader(strings.Replace(yaml, "w_20", "w_24", 1)))
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	require.Equal(t, 2, decode[struct{ Version int }](t, out).Version)
	resp, out = b.do(t, "PUT", "/v1/flows/api-thumb", strings.NewReader("name: api-thumb\nsteps:\n  - id: small\n    processor: nope\n"))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "invalid_argument", errorCode(t, out))
	require.Contains(t, string(out), "line 4: flow api-thumb: step small: unknown processor")
	resp, out = b.do(t, "PUT", "/v1/flows/file-thumb", strings.NewReader(yaml))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(out))

	resp, out = b.do(t, "GET", "/v1/flows", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	list := decode[struct {
		Flows []struct {
			Name, Source string
			Version      int
		}
	}](t, out)
	var seen []string
	for _, f := range list.Flows {
		seen = append(seen, fmt.Sprintf("%s@%d:%s", f.Name, f.Version, f.Source))
	}
	require.Equal(t, []string{"api-thumb@1:api", "api-thumb@2:api", "file-thumb@1:file"}, seen)
	resp, out = b.do(t, "GET", "/v1/flows/api-thumb?version=1", nil, "Accept", "application/yaml")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, yaml, string(out))

	// Run it; the task records version 2 and shows in the listings.
	resp, out = b.do(t, "POST", "/v1/flows/api-thumb/run?wait=30s", strings.NewReader(fmt.Sprintf(`{"asset_id":%q}`, one)))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	task := decode[struct {
		Task struct {
			ID, State string
			Ops       []string
		}
	}](t, out).Task
	require.Equal(t, "succeeded", task.State, string(out))
	require.Equal(t, "api-thumb@2", task.Ops[0])
	resp, out = b.do(t, "POST", fmt.Sprintf("/v1/assets/%s/tasks?wait=30s", two), strings.NewReader(`{"ops":["w_8,f_png"]}`))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))

	all := b.tasks(t, "")
	require.Len(t, all.Items, 4, "two levels tasks (one per upload), the flow's, the render's")
	require.Equal(t, "render", all.Items[0].Kind, "newest first")
	require.Equal(t, task.ID, all.Items[1].ID)
	require.Len(t, b.tasks(t, "kind=levels").Items, 2)
	require.Len(t, b.tasks(t, "flow=api-thumb").Items, 1)
	require.Len(t, b.tasks(t, "flow=api-thumb@2&state=succeeded").Items, 1)
	require.Empty(t, b.tasks(t, "flow=api-thumb@1").Items)
	require.Len(t, b.tasks(t, "kind=render").Items, 1)
	require.Equal(t, two, b.tasks(t, "asset_id="+two).Items[0].AssetID)
	require.Empty(t, b.tasks(t, "state=dead").Items)
	page := b.tasks(t, "limit=3")
	require.Len(t, page.Items, 3)
	require.NotEmpty(t, page.NextCursor)
	rest := b.tasks(t, "limit=3&cursor="+url.QueryEscape(page.NextCursor))
	require.Equal(t, all.Items[3].ID, rest.Items[0].ID)
	require.Empty(t, rest.NextCursor)
	for _, q := range []string{"state=done", "limit=0", "limit=x", "cursor=%21", "flow=a@b", "colour=red"} {
		resp, out := b.do(t, "GET", "/v1/tasks?"+q, nil)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", q, out)
	}

	// Rules: as loaded, checked, explained as a draft.
	resp, out = b.do(t, "GET", "/v1/rules", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rules := decode[struct {
		File, YAML string
		Rules      []struct{ Name, Flow string }
	}](t, out)
	require.Equal(t, rulesFile, rules.File)
	require.Equal(t, rulesYAML, rules.YAML)
	require.Equal(t, "file-thumb", rules.Rules[0].Flow)
	draft := "- name: small\n  when: \"width < 100\"\n  flow: api-thumb\n"
	resp, out = b.do(t, "POST", "/v1/rules/validate", strings.NewReader(draft))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	resp, out = b.do(t, "POST", "/v1/rules/validate", strings.NewReader(draft+"- name: x\n  when: \"width <\"\n  flow: api-thumb\n"))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(out), "line 5: rule x: when:")
	body, _ := json.Marshal(map[string]any{"asset_id": one, "rules": draft})
	resp, out = b.do(t, "POST", "/v1/rules/explain", bytes.NewReader(body))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.Contains(t, string(out), `"matched":{"rule":"small","flow":"api-thumb"}`)
	resp, out = b.do(t, "POST", "/v1/rules/explain", strings.NewReader(fmt.Sprintf(`{"asset_id":%q}`, one)))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	require.Contains(t, string(out), `"matched":null`, "the rules in use are unchanged")

	// Delete: API flows only.
	resp, _ = b.do(t, "DELETE", "/v1/flows/file-thumb", nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = b.do(t, "DELETE", "/v1/flows/api-thumb", nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	resp, _ = b.do(t, "GET", "/v1/flows/api-thumb", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = b.do(t, "DELETE", "/v1/flows/api-thumb", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}
