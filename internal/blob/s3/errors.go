package s3

import (
	"errors"
	"fmt"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/easelhq/easel"
)

// apiCode returns the S3 error code of err ("NoSuchKey", ...), or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// httpStatus returns the HTTP status of the response that failed, or 0.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// unreachable reports whether err means no response came back at all.
func unreachable(err error) bool {
	var se *smithyhttp.RequestSendError
	return errors.As(err, &se)
}

// mapErr turns a client error into easel's: a missing object becomes
// CodeNotFound; a missing bucket, wrong credentials or an unreachable
// server name their setting, and an unreachable server is CodeUnavailable;
// anything else is wrapped with the operation.
func (s *Store) mapErr(op, key string, err error) error {
	code := apiCode(err)
	switch {
	case code == "NoSuchKey" || code == "NotFound" || (httpStatus(err) == 404 && code != "NoSuchBucket"):
		return easel.WrapError(easel.CodeNotFound, err, "blob %s not found", key)
	}
	if cause := s.settingAtFault(err); cause != "" {
		err = fmt.Errorf("s3 blob: %s %q: %s: %w", op, key, cause, err)
		if unreachable(err) {
			return easel.WrapError(easel.CodeUnavailable, err, "blob storage is unreachable")
		}
		return err
	}
	return fmt.Errorf("s3 blob: %s %q: %w", op, key, err)
}

// settingAtFault explains which setting err points at, or returns "".
func (s *Store) settingAtFault(err error) string {
	switch code := apiCode(err); {
	case code == "NoSuchBucket":
		return fmt.Sprintf("%s %q does not exist", s.cfg.setting("bucket"), s.cfg.Bucket)
	case code == "InvalidAccessKeyId" || code == "XAdminUserNotFound":
		return fmt.Sprintf("%s is not known to the server", s.cfg.setting("access_key"))
	case code == "SignatureDoesNotMatch":
		return fmt.Sprintf("%s does not match %s", s.cfg.setting("secret_key"), s.cfg.setting("access_key"))
	case code == "AccessDenied" || httpStatus(err) == 403:
		return fmt.Sprintf("%s may not use %s %q", s.cfg.setting("access_key"), s.cfg.setting("bucket"), s.cfg.Bucket)
	case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed":
		return fmt.Sprintf("%s %q does not match the bucket's", s.cfg.setting("region"), s.cfg.Region)
	case unreachable(err):
		ep := s.cfg.Endpoint
		if ep == "" {
			ep = "AWS S3"
		}
		return fmt.Sprintf("%s %q unreachable", s.cfg.setting("endpoint"), ep)
	}
	return ""
}

// IsUnreachable reports whether err, from a Store, means that the server
// could not be reached at all (as opposed to answering with an error).
func IsUnreachable(err error) bool { return unreachable(err) }
