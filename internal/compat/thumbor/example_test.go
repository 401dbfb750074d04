package thumbor_test

import (
	"fmt"

	"github.com/easelhq/easel/internal/compat/thumbor"
)

// The first signing scenario of thumbor's library tests
// (https://thumbor.readthedocs.io/en/latest/libraries.html), read into
// easel's operations.
func ExampleParse() {
	const key = "my-security-key"
	path := "300x200/my.server.com/some/path/to/image.jpg"
	req, err := thumbor.Parse(thumbor.Config{SecurityKey: key}, "/"+thumbor.Sign(key, path)+"/"+path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(thumbor.Sign(key, path))
	fmt.Println(req.Options, req.Image)
	// Output:
	// 8ammJH8D-7tXy6kU3lTvoXlhu4o=
	// w_300,h_200,c_fill,up_1 my.server.com/some/path/to/image.jpg
}
