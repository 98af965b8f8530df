package wfs

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits bound the work an XML request can cause.
type Limits struct {
	// MaxBytes bounds the document's size.
	MaxBytes int
	// MaxDepth bounds element nesting.
	MaxDepth int
	// MaxTokens bounds the number of XML tokens (elements, text runs,
	// comments).
	MaxTokens int
}

// DefaultLimits suit transactions of a few thousand features.
var DefaultLimits = Limits{MaxBytes: 8 << 20, MaxDepth: 64, MaxTokens: 2_000_000}

// node is one element of a parsed XML document. Names are matched by
// local name: the same code reads WFS 1.0, 1.1 and 2.0, FE 1.1 and 2.0 and
// GML 2, 3.1 and 3.2, whose namespaces differ.
type node struct {
	Space, Local string
	Attrs        []xml.Attr
	Children     []*node
	// Text is the element's own character data, concatenated.
	Text string
	// ns maps the prefixes declared on this element and its ancestors.
	ns map[string]string
}

// attr returns the value of the attribute with the given local name.
func (n *node) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (n *node) hasAttr(local string) bool {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return true
		}
	}
	return false
}

// child returns the first child element with the given local name.
func (n *node) child(local string) *node {
	for _, c := range n.Children {
		if c.Local == local {
			return c
		}
	}
	return nil
}

// children returns the child elements with the given local name.
func (n *node) children(local string) []*node {
	var out []*node
	for _, c := range n.Children {
		if c.Local == local {
			out = append(out, c)
		}
	}
	return out
}

func (n *node) text() string { return strings.TrimSpace(n.Text) }

// parseXML reads one XML document into a tree within the limits. It
// refuses DOCTYPE declarations (and so any entity definition) and
// documents in encodings other than UTF-8.
func parseXML(doc []byte, lim Limits) (*node, error) {
	if lim.MaxBytes > 0 && len(doc) > lim.MaxBytes {
		return nil, fmt.Errorf("the XML document is %d bytes, at most %d", len(doc), lim.MaxBytes)
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported; send UTF-8", charset)
	}
	var (
		root   *node
		stack  []*node
		tokens int
		text   strings.Builder
	)
	flush := func() {
		if len(stack) > 0 && text.Len() > 0 {
			stack[len(stack)-1].Text += text.String()
		}
		text.Reset()
	}
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			var syn *xml.SyntaxError
			if errors.As(err, &syn) {
				return nil, fmt.Errorf("line %d: %s", syn.Line, syn.Msg)
			}
			return nil, err
		}
		tokens++
		if lim.MaxTokens > 0 && tokens > lim.MaxTokens {
			return nil, fmt.Errorf("the XML document has more than %d tokens", lim.MaxTokens)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			flush()
			if root != nil && len(stack) == 0 {
				return nil, errors.New("the XML document has more than one root element")
			}
			if lim.MaxDepth > 0 && len(stack) >= lim.MaxDepth {
				return nil, fmt.Errorf("the XML document nests elements deeper than %d", lim.MaxDepth)
			}
			n := &node{}
			parentNS := map[string]string{}
			if len(stack) > 0 {
				parentNS = stack[len(stack)-1].ns
			}
			n.ns = parentNS
			copied := false
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					if !copied {
						copied = true
						n.ns = make(map[string]string, len(parentNS)+1)
						for k, v := range parentNS {
							n.ns[k] = v
						}
					}
					if a.Name.Space == "xmlns" {
						n.ns[a.Name.Local] = a.Value
					} else {
						n.ns[""] = a.Value
					}
					continue
				}
				n.Attrs = append(n.Attrs, a)
			}
			n.Local = t.Name.Local
			n.Space = n.ns[t.Name.Space]
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			flush()
			if len(stack) == 0 || stack[len(stack)-1].Local != t.Name.Local {
				return nil, fmt.Errorf("unexpected end element </%s>", t.Name.Local)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text outside the root element")
			}
		case xml.Directive:
			return nil, errors.New("DOCTYPE and other declarations are not accepted")
		case xml.ProcInst, xml.Comment:
		}
	}
	if root == nil {
		return nil, errors.New("the document has no root element")
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("element <%s> is not closed", stack[len(stack)-1].Local)
	}
	return root, nil
}
