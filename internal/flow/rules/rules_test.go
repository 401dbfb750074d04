package rules_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/rules"
)

const file = `
# first match wins
- name: small-video
  when: "duration > 0 && short_side < 540"
  flow: video-small
- name: video
  when: "duration > 0"
  flow: video-hd
  params: {transcode: {height: 720}}
- name: vip-faces
  when: 'tenant == "acme" && faces > 0 && metadata["tier"] == "gold"'
  flow: portrait
- name: big-image
  when: "bytes > 5_000_000 || width * height > 24e6"
  flow: shrink
`

func TestMatch(t *testing.T) {
	s, err := rules.Parse([]byte(file), nil)
	require.NoError(t, err)
	require.Equal(t, 4, s.Len())
	tests := []struct {
		name  string
		facts rules.Facts
		rule  string
		ok    bool
	}{
		{"360p clip", rules.Facts{Width: 640, Height: 360, ShortSide: 360, Duration: 10, Format: "mp4"}, "small-video", true},
		{"720p clip", rules.Facts{Width: 1280, Height: 720, ShortSide: 720, Duration: 10, Format: "mp4"}, "video", true},
		{"gold portrait", rules.Facts{Width: 800, Height: 1000, Faces: 2, Tenant: "acme", Metadata: map[string]string{"tier": "gold"}}, "vip-faces", true},
		{"silver portrait", rules.Facts{Width: 800, Height: 1000, Faces: 2, Tenant: "acme", Metadata: map[string]string{"tier": "silver"}}, "", false},
		{"no metadata", rules.Facts{Faces: 1, Tenant: "acme"}, "", false},
		{"huge", rules.Facts{Width: 6000, Height: 5000, Bytes: 100}, "big-image", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := s.Match(tt.facts)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.rule, m.Rule)
		})
	}
	m, _ := s.Match(rules.Facts{Duration: 3, ShortSide: 720})
	require.Equal(t, map[string]map[string]any{"transcode": {"height": 720}}, m.Params)
}

func TestExplain(t *testing.T) {
	s, err := rules.Parse([]byte(file), nil)
	require.NoError(t, err)
	ex := s.Explain(rules.Facts{Width: 1280, Height: 720, ShortSide: 720, Duration: 10})
	require.NotNil(t, ex.Matched)
	require.Equal(t, "video", ex.Matched.Rule)
	require.Len(t, ex.Rules, 2)
	require.False(t, ex.Rules[0].Matched)
	require.Equal(t, map[string]any{"duration": 10.0, "short_side": 720}, ex.Rules[0].Facts)
	require.True(t, ex.Rules[1].Matched)
	require.Equal(t, map[string]any{"duration": 10.0}, ex.Rules[1].Facts)

	none := s.Explain(rules.Facts{Width: 10, Height: 10})
	require.Nil(t, none.Matched)
	require.Len(t, none.Rules, 4)
	require.Equal(t, map[string]any{"faces": 0, "metadata": map[string]string{}, "tenant": ""}, none.Rules[2].Facts)
}

func TestCompileErrorsNameTheRule(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"syntax", "- {name: r1, when: 'width >', flow: f}", "rule r1: when: unexpected token"},
		{"unknown fact", "- {name: r2, when: 'widht > 3', flow: f}", "rule r2: when: unknown name widht"},
		{"not a bool", "- {name: r3, when: 'width + 1', flow: f}", "rule r3: when: expected bool, but got int"},
		{"no flow", "- {name: r4, when: 'true'}", "rule r4: flow is empty"},
		{"unknown flow", "- {name: r5, when: 'true', flow: nope}", `rule r5: flow "nope": no flow "nope"`},
		{"duplicate", "- {name: r6, when: 'true', flow: f}\n- {name: r6, when: 'true', flow: f}", "rule r6: name used twice"},
		{"unknown key", "- {name: r7, when: 'true', flow: f, then: x}", "field then not found"},
		{"no name", "- {when: 'true', flow: f}", "rule 1: a name is needed"},
	}
	exists := func(name string) error {
		if name == "f" {
			return nil
		}
		return easel.Errorf(easel.CodeNotFound, "no flow %q", name)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Parse([]byte(tt.yaml), exists)
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "%v", err)
			require.Contains(t, easel.ErrorMessage(err), tt.want)
		})
	}
}

func TestFactsOf(t *testing.T) {
	a := easel.Asset{TenantID: "acme", Format: "jpeg", Width: 1200, Height: 800, Bytes: 1234}
	f := rules.FactsOf(a, "eu", map[string]string{"tier": "gold"}, 0)
	require.Equal(t, rules.Facts{Width: 1200, Height: 800, ShortSide: 800, Format: "jpeg", Frames: 1, Faces: -1, Bytes: 1234,
		Region: "eu", Tenant: "acme", Metadata: map[string]string{"tier": "gold"}}, f)
	a.Analysis = &easel.Analysis{Faces: []easel.Face{{}, {}}}
	require.Equal(t, 2, rules.FactsOf(a, "", nil, 0).Faces)
}
