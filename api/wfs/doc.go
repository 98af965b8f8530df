// Package wfs speaks OGC Web Feature Service 2.0.0 and 1.1.0 (with the
// 1.0.0 transactions QGIS sends) over planmap's store, without any HTTP
// framework: it parses KVP and XML requests into structs, evaluates Filter
// Encoding 2.0 / 1.1 filters into a data.Query and a data.Filter the
// store's layer views answer, turns transactions into one batch of
// data.Change, and writes capabilities, XML Schema, GML 3.2 / 3.1.1 and
// GeoJSON feature collections, transaction responses and
// ows:ExceptionReport documents.
//
// The HTTP handler (api/wfs.go) only moves bytes: Service.Serve takes a
// Request (the query arguments or the body) and the current snapshot and
// returns a Response; a transaction calls back into the handler, which
// checks the token and applies the batch through the store in one call, so
// WFS edits share the validation, history and durability of OGC API –
// Features Part 4.
//
// XML requests are parsed with limits (size, element depth, token count)
// and DOCTYPE declarations are refused, so no entity is ever expanded.
package wfs
