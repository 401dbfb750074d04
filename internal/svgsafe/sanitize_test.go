package svgsafe

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

const limit = 1 << 20

// wrap puts body inside an SVG root with the usual namespace declarations.
func wrap(body string) string {
	return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">` + body + `</svg>`
}

// TestSanitizeHostile feeds XSS filter evasion cases (in the manner of the
// OWASP cheat sheet) and checks that what could run or fetch is gone, that
// the harmless shape beside it stays, and that the output passes checkSafe
// and is a fixed point.
func TestSanitizeHostile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		gone    []string // case-insensitive substrings that must not survive
		kept    []string // substrings that must survive
		noShape bool     // the case has no <rect id="keep"> to keep
	}{
		{name: "script element", in: wrap(`<script>alert(1)</script><rect id="keep"/>`), gone: []string{"script", "alert"}},
		{name: "script with type", in: wrap(`<script type="text/ecmascript">alert(1)</script><rect id="keep"/>`), gone: []string{"script", "alert"}},
		{name: "upper-case SCRIPT", in: wrap(`<SCRIPT>alert(1)</SCRIPT><rect id="keep"/>`), gone: []string{"script", "alert"}},
		{name: "CDATA script", in: wrap(`<script><![CDATA[alert(document.domain)]]></script><rect id="keep"/>`), gone: []string{"script", "alert", "cdata"}},
		{name: "prefixed svg script", in: `<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script><s:rect id="keep"/></s:svg>`, gone: []string{"script", "alert"}},
		{name: "XHTML script by prefix", in: wrap(`<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script><rect id="keep"/>`), gone: []string{"script", "alert", "xhtml"}},
		{name: "XHTML default namespace switch", in: wrap(`<g xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script><img src="x" onerror="alert(2)"/></g><rect id="keep"/>`), gone: []string{"script", "alert", "onerror", "img"}},
		{name: "onload on root", in: `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect id="keep"/></svg>`, gone: []string{"onload", "alert"}},
		{name: "mixed-case onLoad", in: `<svg xmlns="http://www.w3.org/2000/svg" onLoad="alert(1)" OnClick="alert(2)"><rect id="keep"/></svg>`, gone: []string{"onload", "onclick", "alert"}},
		{name: "event handlers on shapes", in: wrap(`<rect id="keep" onclick="alert(1)" onmouseover="alert(2)" onfocusin="alert(3)" onbegin="alert(4)"/>`), gone: []string{"onclick", "onmouseover", "onfocusin", "onbegin", "alert"}},
		{name: "namespaced event handler", in: wrap(`<rect id="keep" xmlns:ev="http://www.w3.org/2001/xml-events" ev:onclick="alert(1)"/>`), gone: []string{"onclick", "alert"}},
		{name: "javascript link", in: wrap(`<a href="javascript:alert(1)"><rect id="keep"/></a>`), gone: []string{"javascript", "alert"}, kept: []string{"<a>"}},
		{name: "mixed-case JaVaScRiPt xlink", in: wrap(`<a xlink:href="JaVaScRiPt:alert(1)"><rect id="keep"/></a>`), gone: []string{"javascript", "alert"}},
		{name: "entity-encoded java&#x73;cript", in: wrap(`<a href="java&#x73;cript:alert(1)"><rect id="keep"/></a>`), gone: []string{"javascript", "alert", "&#x73;"}},
		{name: "fully decimal-encoded scheme", in: wrap(`<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)"><rect id="keep"/></a>`), gone: []string{"alert", "&#106;"}},
		{name: "tab inside scheme", in: wrap(`<a href="jav&#x09;ascript:alert(1)"><rect id="keep"/></a>`), gone: []string{"ascript", "alert"}},
		{name: "newline inside scheme", in: wrap(`<a href="jav&#xA;ascript:alert(1)"><rect id="keep"/></a>`), gone: []string{"ascript", "alert"}},
		{name: "leading spaces and control", in: wrap(`<a href=" &#x20;&#x9;&#xD; javascript:alert(1)"><rect id="keep"/></a>`), gone: []string{"javascript", "alert"}},
		{name: "zero-width space in scheme", in: wrap(`<a href="java&#x200B;script:alert(1)"><rect id="keep"/></a>`), gone: []string{"script:", "alert"}},
		{name: "vbscript", in: wrap(`<a href="vbscript:msgbox(1)"><rect id="keep"/></a>`), gone: []string{"vbscript", "msgbox"}},
		{name: "data URI link", in: wrap(`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="><rect id="keep"/></a>`), gone: []string{"data:", "base64"}},
		{name: "data URI image", in: wrap(`<image href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" width="5" height="5"/><rect id="keep"/>`), gone: []string{"data:", "base64"}},
		{name: "external image http", in: wrap(`<image xlink:href="http://evil.example/track.png" width="5" height="5"/><rect id="keep"/>`), gone: []string{"evil.example"}},
		{name: "file URL", in: wrap(`<image href="file:///etc/passwd"/><rect id="keep"/>`), gone: []string{"file:", "passwd"}},
		{name: "protocol-relative URL", in: wrap(`<image href="//evil.example/x.png"/><rect id="keep"/>`), gone: []string{"evil.example"}},
		{name: "relative URL", in: wrap(`<image href="../secret.png"/><rect id="keep"/>`), gone: []string{"secret"}},
		{name: "other prefix bound to xlink", in: wrap(`<a xmlns:x="http://www.w3.org/1999/xlink" x:href="javascript:alert(1)"><rect id="keep"/></a>`), gone: []string{"javascript", "alert"}},
		{name: "xlink attributes other than href", in: wrap(`<a xlink:href="#keep" xlink:show="new" xlink:actuate="onLoad"><rect id="keep"/></a>`), gone: []string{"xlink:show", "xlink:actuate"}, kept: []string{`xlink:href="#keep"`}},
		{name: "use with external reference", in: wrap(`<use href="http://evil.example/sprite.svg#a"/><use xlink:href="data:image/svg+xml,&lt;svg onload=alert(1)&gt;"/><rect id="keep"/>`), gone: []string{"evil.example", "data:", "alert"}},
		{name: "use with fragment kept", in: wrap(`<defs><circle id="c" r="2"/></defs><use href="#c" x="3"/><rect id="keep"/>`), kept: []string{`<use href="#c" x="3"/>`}},
		{name: "feImage external", in: wrap(`<filter id="f"><feImage href="https://evil.example/x.png"/></filter><rect id="keep" filter="url(#f)"/>`), gone: []string{"evil.example"}, kept: []string{`filter="url(#f)"`}},
		{name: "foreignObject with iframe", in: wrap(`<foreignObject width="10" height="10"><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(1)"/></foreignObject><rect id="keep"/>`), gone: []string{"foreignobject", "iframe", "alert"}},
		{name: "iframe embed object", in: wrap(`<iframe src="https://evil.example"/><embed src="x.swf"/><object data="x.html"/><rect id="keep"/>`), gone: []string{"iframe", "embed", "object", "evil", "swf"}},
		{name: "SVG Tiny handler", in: wrap(`<handler type="application/ecmascript" ev:event="load" xmlns:ev="http://www.w3.org/2001/xml-events">alert(1)</handler><rect id="keep"/>`), gone: []string{"handler", "alert"}},
		{name: "set href to javascript", in: wrap(`<a><set attributeName="href" to="javascript:alert(1)"/><rect id="keep"/></a>`), gone: []string{"<set", "javascript", "alert"}},
		{name: "animate xlink:href values", in: wrap(`<a><animate attributeName="xlink:href" values="javascript:alert(1)" begin="0s"/><rect id="keep"/></a>`), gone: []string{"animate", "javascript", "alert"}},
		{name: "set upper-case HREF", in: wrap(`<a><set attributeName=" HREF " to="javascript:alert(1)"/><rect id="keep"/></a>`), gone: []string{"<set", "javascript"}},
		{name: "set attributeName with a scheme", in: wrap(`<rect id="keep"><set attributeName="data:x" to="1"/></rect>`), gone: []string{"<set", "data:"}},
		{name: "set event attribute", in: wrap(`<rect id="keep"><set attributeName="onmouseover" to="alert(1)"/></rect>`), gone: []string{"<set", "onmouseover", "alert"}},
		{name: "set style", in: wrap(`<rect id="keep"><set attributeName="style" to="background:url(http://evil.example)"/></rect>`), gone: []string{"<set", "evil"}},
		{name: "animate without attributeName", in: wrap(`<rect id="keep"><animate to="javascript:alert(1)"/></rect>`), gone: []string{"animate", "alert"}},
		{name: "animate fill to external url", in: wrap(`<rect id="keep"><animate attributeName="fill" values="url(http://evil.example/#p)" dur="1s"/></rect>`), gone: []string{"evil"}, kept: []string{`attributeName="fill"`}},
		{name: "animate fill kept", in: wrap(`<rect id="keep"><animate attributeName="fill" values="red;blue" dur="1s"/></rect>`), kept: []string{`<animate attributeName="fill" values="red;blue" dur="1s"/>`}},
		{name: "style element @import", in: wrap(`<style>@import url(https://evil.example/x.css); rect{fill:red}</style><rect id="keep"/>`), gone: []string{"<style", "import", "evil"}},
		{name: "style element expression", in: wrap(`<style>rect{width:expression(alert(1))}</style><rect id="keep"/>`), gone: []string{"expression", "alert"}},
		{name: "style element javascript url", in: wrap(`<style>rect{background:url("javascript:alert(1)")}</style><rect id="keep"/>`), gone: []string{"javascript", "alert"}},
		{name: "style element CSS escapes", in: wrap(`<style>rect{background:u\72 l(https://evil.example)}</style><rect id="keep"/>`), gone: []string{"evil", `\72`}},
		{name: "style element comment-split import", in: wrap(`<style>@im/**/port 'https://evil.example/x.css';</style><rect id="keep"/>`), gone: []string{"evil", "port"}},
		{name: "style element CDATA behavior", in: wrap(`<style><![CDATA[rect{behavior:url(x.htc)} ]]></style><rect id="keep"/>`), gone: []string{"behavior", "htc"}},
		{name: "style element -moz-binding", in: wrap(`<style>rect{-moz-binding:url("http://evil.example/x.xml#xss")}</style><rect id="keep"/>`), gone: []string{"binding", "evil"}},
		{name: "style element child element", in: wrap(`<style>rect{fill:red}<script>alert(1)</script></style><rect id="keep"/>`), gone: []string{"script", "alert"}, kept: []string{"<style>rect{fill:red}</style>"}},
		{name: "style element safe kept", in: wrap(`<style>rect &gt; circle{fill:url(#g);stroke:blue}/* note */</style><rect id="keep"/>`), kept: []string{"<style>rect &gt; circle{fill:url(#g);stroke:blue} </style>"}},
		{name: "style attribute external url", in: wrap(`<rect id="keep" style="fill:red;background-image:url(http://evil.example/t.png)"/>`), gone: []string{"evil", "style="}},
		{name: "style attribute image-set", in: wrap(`<rect id="keep" style="background:image-set('https://evil.example/a.png' 1x)"/>`), gone: []string{"evil"}},
		{name: "style attribute kept", in: wrap(`<rect id="keep" style="fill:url(#g); stroke-width:2"/>`), kept: []string{`style="fill:url(#g); stroke-width:2"`}},
		{name: "presentation url external", in: wrap(`<rect id="keep" fill="url(https://evil.example/p.svg#g)" mask="url( 'http://evil.example/#m' )"/>`), gone: []string{"evil"}},
		{name: "presentation url with escape", in: wrap(`<rect id="keep" fill="u\rl(https://evil.example/#g)"/>`), gone: []string{"evil"}},
		{name: "presentation url fragment kept", in: wrap(`<linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient><rect id="keep" fill="url(#g)" clip-path="url('#c')"/>`), kept: []string{`fill="url(#g)"`, `clip-path="url('#c')"`}},
		{name: "processing instruction stylesheet", in: `<?xml version="1.0"?><?xml-stylesheet href="https://evil.example/x.css" type="text/css"?>` + wrap(`<rect id="keep"/>`), gone: []string{"<?", "evil", "stylesheet"}},
		{name: "DOCTYPE without use", in: `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">` + wrap(`<rect id="keep"/>`), gone: []string{"doctype", "w3.org/graphics"}},
		{name: "comments", in: wrap(`<!-- <script>alert(1)</script> --><rect id="keep"/><!--[if IE]><script>alert(2)</script><![endif]-->`), gone: []string{"<!--", "script", "alert"}},
		{name: "xml:base dropped", in: wrap(`<a xml:base="javascript:alert(1)//" href="#keep" xml:space="preserve"><rect id="keep"/></a>`), gone: []string{"xml:base", "alert"}, kept: []string{`xml:space="preserve"`}},
		{name: "other namespace attributes", in: wrap(`<rect id="keep" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:label="x" xmlns:h="http://www.w3.org/1999/xhtml" h:onclick="alert(1)"/>`), gone: []string{"inkscape", "alert"}},
		{name: "duplicate attributes", in: wrap(`<rect id="keep" x="1" x="javascript:alert(1)" x="2"/>`), gone: []string{`x="2"`, "alert"}, kept: []string{`x="1"`}},
		{name: "text escaped", in: wrap(`<text x="1" y="5">a &lt;script&gt; &amp; b</text><rect id="keep"/>`), kept: []string{`<text x="1" y="5">a &lt;script&gt; &amp; b</text>`}},
		{name: "metadata dropped", in: wrap(`<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata><rect id="keep"/>`), gone: []string{"metadata", "rdf"}},
		{name: "trailing content after root", in: wrap(`<rect id="keep"/>`) + `<script>alert(1)</script>`, gone: []string{"script", "alert"}},
		{name: "root without namespace gets one", in: `<svg viewBox="0 0 4 4"><rect id="keep" width="4" height="4"/></svg>`, kept: []string{`<svg xmlns="http://www.w3.org/2000/svg"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Sanitize(strings.NewReader(tc.in), limit)
			require.NoError(t, err)
			require.NoError(t, checkSafe(out), "%s", out)
			lower := strings.ToLower(string(out))
			for _, g := range tc.gone {
				require.NotContains(t, lower, strings.ToLower(g), "%s", out)
			}
			for _, k := range tc.kept {
				require.Contains(t, string(out), k)
			}
			if !tc.noShape {
				require.Contains(t, string(out), `<rect id="keep"`)
			}
			again, err := Sanitize(bytes.NewReader(out), limit)
			require.NoError(t, err)
			require.Equal(t, string(out), string(again), "not a fixed point")
		})
	}
}

// TestSanitizeRefuses checks the inputs that are refused outright, with
// their codes.
func TestSanitizeRefuses(t *testing.T) {
	t.Parallel()
	billionLaughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` + wrap(`<text>&lol3;</text>`)
	cases := []struct {
		name  string
		in    string
		limit int64
		code  easel.Code
	}{
		{name: "billion laughs", in: billionLaughs, code: easel.CodeInvalidArgument},
		{name: "external entity XXE", in: `<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + wrap(`<text>&xxe;</text>`), code: easel.CodeInvalidArgument},
		{name: "parameter entity", in: `<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;]>` + wrap(`<text>&e;</text>`), code: easel.CodeInvalidArgument},
		{name: "undefined entity", in: wrap(`<text>&nbsp;</text>`), code: easel.CodeInvalidArgument},
		{name: "unclosed depth bomb", in: `<svg xmlns="http://www.w3.org/2000/svg">` + strings.Repeat("<g>", 100000), code: easel.CodeTooLarge},
		{name: "control character reference", in: wrap(`<a href="&#x1;javascript:alert(1)"/>`), code: easel.CodeInvalidArgument},
		{name: "wrapped depth bomb", in: `<svg xmlns="http://www.w3.org/2000/svg">` + strings.Repeat("<g>", MaxDepth) + strings.Repeat("</g>", MaxDepth) + `</svg>`, code: easel.CodeTooLarge},
		{name: "over the size limit", in: wrap(strings.Repeat(`<rect width="1"/>`, 100)), limit: 1000, code: easel.CodeTooLarge},
		{name: "HTML root", in: `<html><body><script>alert(1)</script></body></html>`, code: easel.CodeUnsupportedMedia},
		{name: "svg root in another namespace", in: `<svg xmlns="http://www.w3.org/1999/xhtml"/>`, code: easel.CodeUnsupportedMedia},
		{name: "empty input", in: ``, code: easel.CodeUnsupportedMedia},
		{name: "only a comment", in: `<!-- nothing -->`, code: easel.CodeUnsupportedMedia},
		{name: "root not closed", in: `<svg xmlns="http://www.w3.org/2000/svg"><rect/>`, code: easel.CodeInvalidArgument},
		{name: "mismatched tags", in: wrap(`<g></rect>`), code: easel.CodeInvalidArgument},
		{name: "invalid UTF-8", in: wrap("<text>\xff\xfe</text>"), code: easel.CodeInvalidArgument},
		{name: "non-UTF-8 declared encoding", in: `<?xml version="1.0" encoding="UTF-7"?>` + wrap(``), code: easel.CodeInvalidArgument},
		{name: "zero limit", in: wrap(``), limit: -1, code: easel.CodeInvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lim := tc.limit
			if lim == 0 {
				lim = limit
			}
			out, err := Sanitize(strings.NewReader(tc.in), lim)
			require.Error(t, err)
			require.Nil(t, out)
			require.Equal(t, tc.code, easel.ErrorCode(err), "%v", err)
		})
	}
}

// TestSanitizeLimitIsExact checks that a document of exactly limit bytes
// passes and one byte more does not. (Bytes after the root element closes are
// never read.)
func TestSanitizeLimitIsExact(t *testing.T) {
	t.Parallel()
	in := wrap(`<rect width="1"/>`)
	_, err := Sanitize(strings.NewReader(in), int64(len(in)))
	require.NoError(t, err)
	_, err = Sanitize(strings.NewReader(wrap(`<rect width="1"/> `)), int64(len(in)))
	require.Equal(t, easel.CodeTooLarge, easel.ErrorCode(err))
}
