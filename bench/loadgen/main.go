// loadgen: a small HTTP/1.1 keep-alive load generator for the serving bench (Go standard library only).
//
// Why not autocannon: it runs in Node on the same two cores as the servers and costs about twice the CPU
// per request, and its "rate" mode sends each connection's whole second of requests back to back, so
// latency at a "fixed" rate is really latency under bursts. This one writes pre-built request bytes on
// raw connections and reads just enough of each response to find its end.
//
//	loadgen -url http://127.0.0.1:8080/v1/predict -c 64 -d 5s [-rate 2000] [-method POST]
//	        [-H 'content-type: application/json']... [-body '{...}']
//
// Without -rate each connection sends its next request when the previous answer arrives (closed loop:
// throughput). With -rate the requests are spread evenly in time (request k is due at start + k/rate,
// on connection k mod c); a request that goes out late because its connection still waits for the
// previous answer has its latency counted from when it was due, so a stall is counted against every
// request it delayed (no coordinated omission).
// Prints one JSON object: requests, seconds, rps, status classes, errors and latency percentiles in us.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

type connResult struct {
	latencies []uint32 // microseconds, 2xx only
	ok        int
	non2xx    int
	errors    int
}

type summary struct {
	Generator string             `json:"generator"`
	Requests  int                `json:"requests"`
	Seconds   float64            `json:"seconds"`
	RPS       float64            `json:"rps"`
	Non2xx    int                `json:"non2xx"`
	Errors    int                `json:"errors"`
	Latency   map[string]float64 `json:"latency_us"`
}

func main() {
	target := flag.String("url", "", "target URL (http only)")
	conns := flag.Int("c", 64, "connections")
	dur := flag.Duration("d", 5*time.Second, "duration")
	rate := flag.Float64("rate", 0, "requests per second over all connections (0: closed loop, as fast as answers come)")
	method := flag.String("method", "GET", "HTTP method")
	body := flag.String("body", "", "request body")
	var headers headerList
	flag.Var(&headers, "H", "header 'name: value' (repeatable)")
	flag.Parse()

	u, err := url.Parse(*target)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		fail("-url must be an http:// URL")
	}
	if *conns < 1 || *dur <= 0 || *rate < 0 {
		fail("-c must be >= 1, -d > 0 and -rate >= 0")
	}
	addr := u.Host
	if u.Port() == "" {
		addr += ":80"
	}
	req := buildRequest(*method, u, headers, *body)

	results := make([]connResult, *conns)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(*dur)
	var interval time.Duration
	if *rate > 0 {
		interval = time.Duration(float64(time.Second) / *rate)
	}
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = worker(addr, req, i, *conns, start, deadline, interval)
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()

	var all []uint32
	s := summary{Generator: "loadgen (bench/loadgen, Go)", Seconds: elapsed, Latency: map[string]float64{}}
	for _, r := range results {
		all = append(all, r.latencies...)
		s.Requests += r.ok + r.non2xx
		s.Non2xx += r.non2xx
		s.Errors += r.errors
	}
	s.RPS = float64(s.Requests) / elapsed
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	for _, p := range []float64{50, 90, 99, 99.9} {
		s.Latency["p"+strconv.FormatFloat(p, 'f', -1, 64)] = percentile(all, p)
	}
	if len(all) > 0 {
		s.Latency["max"] = float64(all[len(all)-1])
	}
	out, _ := json.Marshal(s)
	fmt.Println(string(out))
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "loadgen:", msg)
	os.Exit(2)
}

func buildRequest(method string, u *url.URL, headers []string, body string) []byte {
	var b bytes.Buffer
	path := u.RequestURI()
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, u.Host)
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			fail("header without a colon: " + h)
		}
		fmt.Fprintf(&b, "%s: %s\r\n", strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if body != "" || method == "POST" || method == "PUT" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.Bytes()
}

// worker runs one connection until the deadline; with an interval, its requests are due at
// start + (j*conns + index) * interval.
func worker(addr string, req []byte, index, conns int, start, deadline time.Time, interval time.Duration) connResult {
	var r connResult
	var conn net.Conn
	var rd *bufio.Reader
	for j := 0; ; j++ {
		// from: what latency counts from. A request sent late because this connection was still waiting
		// for the previous answer counts from when it was due; one sent on time (after a sleep, whose
		// wake-up is the generator's own delay) counts from when it was sent.
		from := time.Now()
		if interval > 0 {
			due := start.Add(time.Duration(j*conns+index) * interval)
			if !due.Before(deadline) {
				break
			}
			if wait := time.Until(due); wait > 0 {
				time.Sleep(wait)
				from = time.Now()
			} else {
				from = due
			}
		} else if !from.Before(deadline) {
			break
		}
		if conn == nil {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				r.errors++
				time.Sleep(10 * time.Millisecond)
				continue
			}
			conn, rd = c, bufio.NewReaderSize(c, 16<<10)
		}
		if _, err := conn.Write(req); err != nil {
			r.errors++
			conn.Close()
			conn = nil
			continue
		}
		status, keepAlive, err := readResponse(rd)
		if err != nil {
			r.errors++
			conn.Close()
			conn = nil
			continue
		}
		if time.Now().After(deadline) && interval == 0 {
			break // answered after the end: not counted, so rps is requests per measured second
		}
		if status >= 200 && status < 300 {
			r.ok++
			r.latencies = append(r.latencies, uint32(time.Since(from).Microseconds()))
		} else {
			r.non2xx++
		}
		if !keepAlive {
			conn.Close()
			conn = nil
		}
	}
	if conn != nil {
		conn.Close()
	}
	return r
}

// readResponse reads one response (Content-Length or chunked body) and returns its status and
// whether the connection stays open.
func readResponse(rd *bufio.Reader) (int, bool, error) {
	line, err := rd.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errors.New("bad status line")
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, errors.New("bad status code")
	}
	keepAlive := line[7] == '1'
	length := -1
	chunked := false
	for {
		h, err := rd.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		if len(h) <= 2 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("content-length")):
			length, err = strconv.Atoi(string(value))
			if err != nil {
				return 0, false, errors.New("bad content-length")
			}
		case bytes.EqualFold(name, []byte("transfer-encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("connection")):
			v := bytes.ToLower(value)
			if bytes.Contains(v, []byte("close")) {
				keepAlive = false
			} else if bytes.Contains(v, []byte("keep-alive")) {
				keepAlive = true
			}
		}
	}
	switch {
	case chunked:
		for {
			sizeLine, err := rd.ReadSlice('\n')
			if err != nil {
				return 0, false, err
			}
			hex, _, _ := bytes.Cut(bytes.TrimSpace(sizeLine), []byte(";"))
			n, err := strconv.ParseInt(string(hex), 16, 64)
			if err != nil {
				return 0, false, errors.New("bad chunk size")
			}
			if _, err := rd.Discard(int(n) + 2); err != nil {
				return 0, false, err
			}
			if n == 0 {
				break
			}
		}
	case length >= 0:
		if _, err := rd.Discard(length); err != nil {
			return 0, false, err
		}
	default:
		// no length: the body ends with the connection
		_, _ = io.Copy(io.Discard, rd)
		keepAlive = false
	}
	return status, keepAlive, nil
}

func percentile(sorted []uint32, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return float64(sorted[i])
}
