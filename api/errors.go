package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v2"
)

// Error is an HTTP error answered in the OGC exception form
// {"code": ..., "description": ...}.
type Error struct {
	Status      int    `json:"-"`
	Code        string `json:"code"`
	Description string `json:"description"`
	// Problems lists every rule a written feature breaks.
	Problems []string `json:"problems,omitempty"`
	// retryAfter, when set, is sent as Retry-After (seconds); allow, when
	// set, as Allow.
	retryAfter, allow string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Description) }

// badRequest returns a 400 InvalidParameterValue error.
func badRequest(format string, args ...any) *Error {
	return &Error{Status: fiber.StatusBadRequest, Code: "InvalidParameterValue", Description: fmt.Sprintf(format, args...)}
}

// notFound returns a 404 NotFound error.
func notFound(format string, args ...any) *Error {
	return &Error{Status: fiber.StatusNotFound, Code: "NotFound", Description: fmt.Sprintf(format, args...)}
}

// errorHandler turns every error a handler returns, and every panic the
// recover middleware catches, into an OGC exception body. Server errors are
// logged with the request id, which the body repeats so a user can report it.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var apiErr *Error
		var fiberErr *fiber.Error
		switch {
		case errors.As(err, &apiErr):
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			apiErr = deadlineError(c)
		case errors.As(err, &fiberErr):
			apiErr = &Error{Status: fiberErr.Code, Code: codeForStatus(fiberErr.Code), Description: fiberErr.Message}
			switch fiberErr.Code {
			case fiber.StatusNotFound:
				apiErr.Description = fmt.Sprintf("no resource at %s", c.Path())
			case fiber.StatusMethodNotAllowed:
				apiErr.allow = allowFor(c)
				apiErr.Description = fmt.Sprintf("%s does not take %s; it allows %s", c.Path(), c.Method(), apiErr.allow)
			case fiber.StatusRequestEntityTooLarge:
				apiErr.Description = "the request body is larger than this server accepts"
			case fiber.StatusRequestHeaderFieldsTooLarge:
				apiErr.Description = "the request line or headers are larger than this server accepts; send long lists in a POST body"
			}
		default:
			apiErr = &Error{Status: fiber.StatusInternalServerError, Code: "ServerError"}
		}
		switch {
		case apiErr.Status == fiber.StatusServiceUnavailable:
			// Deadlines and limits: the operator sees them in the access
			// log and the metrics; they are not faults.
			log.Debug("request refused", "request_id", requestID(c), "method", c.Method(), "path", c.OriginalURL(), "err", err)
		case apiErr.Status >= 500:
			id := requestID(c)
			log.Error("request failed", "request_id", id, "method", c.Method(), "path", c.OriginalURL(), "err", err)
			if apiErr.Description == "" {
				apiErr.Description = fmt.Sprintf("internal error; request id %s", id)
			}
		}
		if apiErr.retryAfter != "" {
			c.Set(fiber.HeaderRetryAfter, apiErr.retryAfter)
		}
		if apiErr.allow != "" {
			c.Set(fiber.HeaderAllow, apiErr.allow)
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderContentEncoding, "")
		return c.Status(apiErr.Status).JSON(apiErr)
	}
}

func codeForStatus(status int) string {
	switch status {
	case fiber.StatusBadRequest:
		return "InvalidParameterValue"
	case fiber.StatusNotFound:
		return "NotFound"
	case fiber.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case fiber.StatusNotAcceptable:
		return "NotAcceptable"
	case fiber.StatusRequestTimeout:
		return "RequestTimeout"
	case fiber.StatusRequestEntityTooLarge:
		return "RequestTooLarge"
	case fiber.StatusRequestHeaderFieldsTooLarge:
		return "HeadersTooLarge"
	case fiber.StatusRequestURITooLong:
		return "URITooLong"
	case fiber.StatusTooManyRequests:
		return "TooManyRequests"
	case fiber.StatusNotImplemented:
		return "NotImplemented"
	case fiber.StatusServiceUnavailable:
		return "ServiceUnavailable"
	}
	if status >= 500 {
		return "ServerError"
	}
	return "Error"
}

func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals("requestid").(string); ok {
		return id
	}
	return string(c.Response().Header.Peek(fiber.HeaderXRequestID))
}
