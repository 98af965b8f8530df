# planmap — `make run` builds everything and serves the default dataset on
# http://localhost:8080; `make test` runs every test; `make bench` measures.

GO      ?= go
BIN     := bin/planmap
ADDR    ?= :8080
GOFILES := $(shell find . -name '*.go' -not -path './frontend/node_modules/*')

.PHONY: all build frontend run test test-go test-browser check lint bench bench-go bench-load bench-startup clean

all: build

# The web map's npm packages (MapLibre, the basemap data, the browser-test
# driver) install from frontend/package-lock.json; the build copies what the
# page needs into frontend/dist, which the Go binary embeds.
frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm run build

build: frontend
	$(GO) build -o $(BIN) ./cmd/planmap

run: build
	./$(BIN) serve --addr $(ADDR)

lint:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

check: build
	./$(BIN) check

test-go: build
	$(GO) test ./...

test-browser: build
	cd frontend && PLANMAP_BIN=$(CURDIR)/$(BIN) npm test

test: lint check test-go test-browser

bench-go: build
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./geo ./data ./tiles
	$(GO) test -run '^$$' -bench 'WriteVisibility|ReadsDuringWrites' -benchtime 200x -timeout 60m ./api

bench-load: build
	bench/items.sh
	bench/tiles.sh

# start-up time and peak/steady RSS at 100k and 1M features, from GeoJSON
# and from the binary snapshot (1M needs several GB of free memory)
bench-startup: build
	bench/startup.sh

bench: bench-go bench-load bench-startup

clean:
	rm -rf bin frontend/test-output
	find frontend/dist -mindepth 1 ! -name README.md -delete
