package imgproxy_test

import (
	"fmt"
	"time"

	"github.com/easelhq/easel/internal/compat/imgproxy"
)

// The example of https://docs.imgproxy.net/usage/signing_url, read into
// easel's operations.
func ExampleParse() {
	cfg := imgproxy.Config{Keys: []string{"736563726574"}, Salts: []string{"68656C6C6F"}}
	path := "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
	sig, _ := imgproxy.Sign(cfg.Keys[0], cfg.Salts[0], path, 0)
	req, err := imgproxy.Parse(cfg, "/"+sig+path, time.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sig)
	fmt.Println(req.Options, req.SourceURL)
	// Output:
	// oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8
	// w_300,h_400,c_fill,g_smart,f_png http://example.com/images/curiosity.jpg
}
