vcl 4.1;
# Varnish 7.1 (Debian bookworm) in front of one or more easel API nodes.
#
#   varnishd -a :6081 -f /etc/varnish/easel.vcl -s malloc,1G
#
# Only delivery URLs (/i/...) and the console's static files are cached;
# everything under /v1/ (uploads, tasks, keys) passes straight through.
# easel answers delivery with a strong ETag, Cache-Control
# "public, max-age=31536000, immutable" and Vary: Accept when the format was
# negotiated (f_auto), so Varnish keeps one object per Accept variant.
#
# Purging: when an asset is deleted easel sends
#   BAN /  with header  X-Easel-Ban: <asset id>
# to every address in delivery.purge_urls; this VCL bans every cached object
# whose URL names that asset. Only clients in the purgers ACL may ban.

import directors;

backend api1 {
    .host = "127.0.0.1";
    .port = "8080";
    .probe = { .url = "/healthz"; .interval = 2s; .timeout = 1s; .window = 3; .threshold = 2; }
}
# Add one backend per API node and list it in vcl_init below.

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_init {
    new apis = directors.round_robin();
    apis.add_backend(api1);
}

sub vcl_recv {
    set req.backend_hint = apis.backend();

    if (req.method == "BAN" || req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.method == "PURGE") {
            return (purge);
        }
        if (!req.http.X-Easel-Ban || req.http.X-Easel-Ban !~ "^[A-Za-z0-9_-]+$") {
            return (synth(400, "X-Easel-Ban must name an asset id"));
        }
        ban("obj.http.X-Easel-Asset == " + req.http.X-Easel-Ban);
        return (synth(200, "Banned"));
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url !~ "^/i/" && req.url !~ "^/console/") {
        return (pass);
    }
    # Delivery is public: cookies and credentials never vary the answer.
    unset req.http.Cookie;
    unset req.http.Authorization;
    # Normalise Accept to the formats easel negotiates, so that Vary: Accept
    # does not split the cache by every browser's header.
    if (req.http.Accept ~ "image/avif") {
        set req.http.Accept = "image/avif,image/webp";
    } elsif (req.http.Accept ~ "image/webp") {
        set req.http.Accept = "image/webp";
    } else {
        unset req.http.Accept;
    }
    return (hash);
}

sub vcl_backend_response {
    # Errors are not cached for long: a 404 of an asset uploaded a moment
    # later, or a 503 while a node restarts, must not stick.
    if (beresp.status >= 400) {
        set beresp.ttl = 5s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # Keep the asset id on the object for bans (lurker-friendly: obj.* only).
    if (!beresp.http.X-Easel-Asset && bereq.url ~ "^/i/") {
        set beresp.http.X-Easel-Asset = regsub(bereq.url, "^/i/[^/]+/[^/]+/([A-Za-z0-9_-]+).*$", "\1");
    }
    set beresp.grace = 1h;
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}
