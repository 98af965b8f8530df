package wfs

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
)

// OWS and WFS exception codes.
const (
	CodeMissingParameterValue    = "MissingParameterValue"
	CodeInvalidParameterValue    = "InvalidParameterValue"
	CodeOperationNotSupported    = "OperationNotSupported"
	CodeOperationParsingFailed   = "OperationParsingFailed"
	CodeOperationProcessingFail  = "OperationProcessingFailed"
	CodeVersionNegotiationFailed = "VersionNegotiationFailed"
	CodeNoApplicableCode         = "NoApplicableCode"
	// CodeInvalidValue: a transaction would store a value the feature
	// type's rules refuse (WFS 2.0).
	CodeInvalidValue = "InvalidValue"
)

// Exception is a WFS error, written as an ows:ExceptionReport.
type Exception struct {
	// Status is the HTTP status (400 when zero).
	Status  int
	Code    string
	Locator string
	Text    string
	// Header holds extra HTTP headers (WWW-Authenticate on a 401).
	Header map[string]string
}

func (e *Exception) Error() string {
	if e.Locator != "" {
		return fmt.Sprintf("wfs: %s (%s): %s", e.Code, e.Locator, e.Text)
	}
	return fmt.Sprintf("wfs: %s: %s", e.Code, e.Text)
}

func exception(code, locator, format string, args ...any) *Exception {
	return &Exception{Code: code, Locator: locator, Text: fmt.Sprintf(format, args...)}
}

func missing(locator string) *Exception {
	return exception(CodeMissingParameterValue, locator, "the %s parameter is required", locator)
}

func invalid(locator, format string, args ...any) *Exception {
	return exception(CodeInvalidParameterValue, locator, format, args...)
}

// status returns the HTTP status to answer with.
func (e *Exception) status() int {
	if e.Status != 0 {
		return e.Status
	}
	return http.StatusBadRequest
}

// exceptionResponse writes e in the form the version expects: an OWS 1.1
// report for WFS 2.0, OWS 1.0 for 1.1, and the OGC ServiceExceptionReport
// of WFS 1.0.
func exceptionResponse(e *Exception, version string) *Response {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	esc := func(s string) string {
		var eb bytes.Buffer
		_ = xml.EscapeText(&eb, []byte(s))
		return eb.String()
	}
	switch version {
	case V100:
		fmt.Fprintf(&b, `<ServiceExceptionReport xmlns="http://www.opengis.net/ogc" version="1.2.0"><ServiceException code="%s"`, esc(e.Code))
		if e.Locator != "" {
			fmt.Fprintf(&b, ` locator="%s"`, esc(e.Locator))
		}
		fmt.Fprintf(&b, `>%s</ServiceException></ServiceExceptionReport>`, esc(e.Text))
	default:
		ns, v := "http://www.opengis.net/ows/1.1", "2.0.0"
		if version == V110 {
			ns, v = "http://www.opengis.net/ows", "1.0.0"
		}
		fmt.Fprintf(&b, `<ows:ExceptionReport xmlns:ows="%s" version="%s" xml:lang="en"><ows:Exception exceptionCode="%s"`, ns, v, esc(e.Code))
		if e.Locator != "" {
			fmt.Fprintf(&b, ` locator="%s"`, esc(e.Locator))
		}
		fmt.Fprintf(&b, `><ows:ExceptionText>%s</ows:ExceptionText></ows:Exception></ows:ExceptionReport>`, esc(e.Text))
	}
	r := &Response{Status: e.status(), ContentType: "application/xml; charset=utf-8", Body: b.Bytes(), Header: e.Header}
	return r
}
