package webhook_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/easelhq/easel/internal/webhook"
)

// A receiver checks a callback with the secret shown to its tenant.
func ExampleVerify() {
	secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		panic(err)
	}
	body := []byte(`{"test": 2432232314}`)
	header := http.Header{}
	header.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	header.Set("webhook-timestamp", "1614265330")
	header.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

	now := time.Unix(1614265330, 0).Add(30 * time.Second) // the receiver's clock
	fmt.Println(webhook.Verify(secret, header, body, 5*time.Minute, now))
	fmt.Println(webhook.Verify(secret, header, []byte(`{"test": 1}`), 5*time.Minute, now))
	// Output:
	// <nil>
	// unauthenticated: webhook: no matching signature
}

func ExampleSign() {
	secret := []byte("0123456789abcdefghijklmn")
	fmt.Println(webhook.Sign(secret, "task_1.succeeded", time.Unix(1700000000, 0), []byte(`{}`)))
	// Output:
	// v1,3MDtgpn3FTeIVv5njrliNzVyYtKbapCQXKJdBfWDyEk=
}
