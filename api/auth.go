package api

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Roles a token can have.
const (
	RoleEditor = "editor"
	RoleViewer = "viewer"
)

// Tokens holds who may write: each token's name, role and the SHA-256 of
// its secret. Secrets are never kept or logged, only their hashes, which
// are compared in constant time.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	name string
	role string
	hash [32]byte
}

// HashSecret returns the hex SHA-256 of a secret, the form a tokens file
// stores.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ParseTokens reads a tokens file: one token a line as
// "name role sha256:HEX" (role editor or viewer; HEX the SHA-256 of the
// secret, as `planmap token` prints it), with # comments and blank lines.
func ParseTokens(r io.Reader) (*Tokens, error) {
	t := &Tokens{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 3 {
			return nil, fmt.Errorf("api: tokens line %d: want \"name role sha256:HEX\", got %d fields", line, len(fields))
		}
		name, role, secret := fields[0], fields[1], fields[2]
		if role != RoleEditor && role != RoleViewer {
			return nil, fmt.Errorf("api: tokens line %d: role %q, want editor or viewer", line, role)
		}
		hexHash, ok := strings.CutPrefix(secret, "sha256:")
		raw, err := hex.DecodeString(hexHash)
		if !ok || err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("api: tokens line %d: the secret must be stored as sha256:<64 hex digits>", line)
		}
		var e tokenEntry
		e.name, e.role = name, role
		copy(e.hash[:], raw)
		t.entries = append(t.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("api: reading tokens: %w", err)
	}
	return t, nil
}

// AddSecret adds a token given in clear (PLANMAP_WRITE_TOKEN).
func (t *Tokens) AddSecret(name, role, secret string) {
	t.entries = append(t.entries, tokenEntry{name: name, role: role, hash: sha256.Sum256([]byte(secret))})
}

// Len returns the number of tokens.
func (t *Tokens) Len() int { return len(t.entries) }

// lookup finds the token whose secret this is. Every entry is compared, in
// constant time, whatever matches.
func (t *Tokens) lookup(secret string) (name, role string, ok bool) {
	sum := sha256.Sum256([]byte(secret))
	for _, e := range t.entries {
		if subtle.ConstantTimeCompare(sum[:], e.hash[:]) == 1 && !ok {
			name, role, ok = e.name, e.role, true
		}
	}
	return name, role, ok
}

// authorize returns the name of the editor a request's credentials belong
// to: Authorization: Bearer <token>, or HTTP Basic with the token as the
// password (what QGIS and GDAL send). No credentials: 401 with
// WWW-Authenticate; a viewer's or an unknown token: 403 or 401.
func (s *Server) authorize(c *fiber.Ctx) (string, error) {
	header := c.Get(fiber.HeaderAuthorization)
	var secret string
	switch {
	case strings.HasPrefix(header, "Bearer "):
		secret = strings.TrimSpace(strings.TrimPrefix(header, "Bearer "))
	case strings.HasPrefix(header, "Basic "):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.TrimPrefix(header, "Basic ")))
		if err == nil {
			_, pass, _ := strings.Cut(string(raw), ":")
			secret = pass
		}
	}
	challenge := `Bearer realm="planmap", Basic realm="planmap"`
	if secret == "" {
		c.Set(fiber.HeaderWWWAuthenticate, challenge)
		return "", &Error{Status: fiber.StatusUnauthorized, Code: "Unauthorized", Description: "writes need a token: send Authorization: Bearer <token> (or HTTP Basic with the token as the password)"}
	}
	name, role, ok := s.tokens.lookup(secret)
	if !ok {
		c.Set(fiber.HeaderWWWAuthenticate, challenge+`, error="invalid_token"`)
		return "", &Error{Status: fiber.StatusUnauthorized, Code: "Unauthorized", Description: "the token is not known"}
	}
	if role != RoleEditor {
		return "", &Error{Status: fiber.StatusForbidden, Code: "Forbidden", Description: fmt.Sprintf("token %q is a %s's: only editors may change the data", name, role)}
	}
	return name, nil
}

// writeMethods are the methods that change data.
var writeMethods = []string{fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete}

// writeCORS answers browser preflights for writes: only the configured
// origins may send writes with an Authorization header; reads stay open to
// every origin (the cors middleware after this one).
func (s *Server) writeCORS(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return c.Next()
	}
	// Browsers send Origin on their own site's writes too: the web map
	// served here may always write.
	allowed := slices.Contains(s.opts.WriteOrigins, origin) || strings.HasPrefix(s.baseURL(c)+"/", origin+"/")
	requested := strings.ToUpper(c.Get(fiber.HeaderAccessControlRequestMethod))
	if c.Method() == fiber.MethodOptions && slices.Contains(writeMethods, requested) {
		c.Vary(fiber.HeaderOrigin)
		if !allowed {
			return &Error{Status: fiber.StatusForbidden, Code: "Forbidden", Description: fmt.Sprintf("origin %s may not send writes; the server's --write-origins lists the origins that may", origin)}
		}
		c.Set(fiber.HeaderAccessControlAllowOrigin, origin)
		c.Set(fiber.HeaderAccessControlAllowMethods, "GET,HEAD,OPTIONS,POST,PUT,PATCH,DELETE")
		c.Set(fiber.HeaderAccessControlAllowHeaders, "Accept,Accept-Encoding,If-None-Match,If-Match,Content-Type,Authorization")
		c.Set(fiber.HeaderAccessControlMaxAge, "600")
		return c.SendStatus(fiber.StatusNoContent)
	}
	if slices.Contains(writeMethods, c.Method()) {
		c.Vary(fiber.HeaderOrigin)
		if !allowed {
			return &Error{Status: fiber.StatusForbidden, Code: "Forbidden", Description: fmt.Sprintf("origin %s may not send writes", origin)}
		}
		c.Set(fiber.HeaderAccessControlAllowOrigin, origin)
		c.Set(fiber.HeaderAccessControlExposeHeaders, "ETag,Location,Link,X-Request-Id")
		return c.Next()
	}
	return c.Next()
}
