// Package thumbor reads thumbor URLs into easel's transform.Options, so a
// /thumbor/ endpoint renders them with easel's one planner and engine.
//
// The grammar is thumbor's (https://thumbor.readthedocs.io/en/latest/usage.html):
//
//	{signature|unsafe}/[meta/][trim/][AxB:CxD/][fit-in/][-][W]x[-][H]/[halign/][valign/][smart/][filters:f(a):g(b)/]{image}
//
// The signature is HMAC-SHA1, under the security key, of everything after
// "{signature}/", in URL-safe base64 with padding, as thumbor computes it
// (https://thumbor.readthedocs.io/en/latest/security.html). Unsigned
// ("unsafe") URLs are refused unless Config.AllowUnsafe.
//
// What easel cannot do exactly (trim, adaptive-fit-in, full-fit-in, "orig"
// sizes, and the filters listed in docs/compat.md) is an invalid_argument
// error naming the item, never an approximation.
package thumbor
