package api

import (
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
		case errors.As(err, &fiberErr):
			apiErr = &Error{Status: fiberErr.Code, Code: codeForStatus(fiberErr.Code), Description: fiberErr.Message}
			if fiberErr.Code == fiber.StatusNotFound {
				apiErr.Description = fmt.Sprintf("no resource at %s", c.Path())
			}
		default:
			apiErr = &Error{Status: fiber.StatusInternalServerError, Code: "ServerError"}
		}
		if apiErr.Status >= 500 {
			id := requestID(c)
			log.Error("request failed", "request_id", id, "method", c.Method(), "path", c.OriginalURL(), "err", err)
			if apiErr.Description == "" {
				apiErr.Description = fmt.Sprintf("internal error; request id %s", id)
			}
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
