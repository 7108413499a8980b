package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// rawPages lists a resource page by page like eachItem, but asks for the next
// page while the current one is decoded: in a protobuf response the list's
// metadata, with its continue token, comes before the items, so the token is
// read from the first bytes and the API server prepares the next page while
// this process decodes the current one. JSON responses are decoded first.
//
// get returns the request for one page (resource and namespace set). A
// protobuf page is not decoded as a whole: eachItem gets every item still
// encoded. A JSON page is decoded into newList and handed to eachList.
func rawPages(ctx context.Context, get func() *rest.Request, opts metav1.ListOptions, newList func() runtime.Object, eachItem func([]byte) error, eachList func(runtime.Object) error, reset func()) error {
	for attempt := 0; ; attempt++ {
		o := opts
		o.Limit = PageSize
		if attempt == 2 {
			o.Limit = 0 // one whole list: no token to expire
		}
		err := pipelinedPages(ctx, get, o, newList, eachItem, eachList)
		if err == nil || !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) || attempt == 2 {
			return err
		}
		reset()
	}
}

type page struct {
	raw []byte
	err error
}

func pipelinedPages(ctx context.Context, get func() *rest.Request, opts metav1.ListOptions, newList func() runtime.Object, eachItem func([]byte) error, eachList func(runtime.Object) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fetch := func(o metav1.ListOptions) <-chan page {
		c := make(chan page, 1)
		go func() {
			res := get().VersionedParams(&o, scheme.ParameterCodec).Do(ctx)
			raw, err := res.Raw()
			if err != nil {
				err = res.Error() // the server's Status, where it sent one
			}
			c <- page{raw, err}
		}()
		return c
	}
	next := fetch(opts)
	for {
		p := <-next
		if p.err != nil {
			return p.err
		}
		next = nil
		token, found := continueToken(p.raw)
		if found && token != "" {
			o := opts
			o.Continue, o.ResourceVersion, o.ResourceVersionMatch = token, "", ""
			next = fetch(o)
		}
		if found {
			list, _ := protobufObject(p.raw)
			if err := eachListItem(list, eachItem); err != nil {
				return err
			}
		} else {
			list := newList()
			if err := runtime.DecodeInto(scheme.Codecs.UniversalDeserializer(), p.raw, list); err != nil {
				return fmt.Errorf("decoding a page of the list: %w", err)
			}
			lm, err := meta.ListAccessor(list)
			if err != nil {
				return err
			}
			if token = lm.GetContinue(); token != "" {
				o := opts
				o.Continue, o.ResourceVersion, o.ResourceVersionMatch = token, "", ""
				next = fetch(o)
			}
			if err := eachList(list); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
	}
}

// protobufMagic starts every protobuf-encoded response of the API server.
var protobufMagic = []byte{0x6b, 0x38, 0x73, 0x00}

// continueToken reads the continue token of a protobuf-encoded list without
// decoding its items: the envelope (runtime.Unknown) holds the list in its
// field 2, the list its ListMeta in field 1, and ListMeta the token in field
// 3. found is false when the body is not protobuf or not shaped like that.
func continueToken(body []byte) (token string, found bool) {
	if !bytes.HasPrefix(body, protobufMagic) {
		return "", false
	}
	list, ok := field(body[len(protobufMagic):], 2)
	if !ok {
		return "", false
	}
	listMeta, ok := field(list, 1)
	if !ok {
		return "", false
	}
	t, ok := field(listMeta, 3)
	if !ok {
		return "", true // no token: the last page
	}
	return string(t), true
}

// field returns the first length-delimited field number n of a protobuf
// message, skipping the others.
func field(msg []byte, n protowire.Number) ([]byte, bool) {
	for len(msg) > 0 {
		num, typ, l := protowire.ConsumeTag(msg)
		if l < 0 {
			return nil, false
		}
		msg = msg[l:]
		if num == n && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(msg)
			if l < 0 {
				return nil, false
			}
			return v, true
		}
		l = protowire.ConsumeFieldValue(num, typ, msg)
		if l < 0 {
			return nil, false
		}
		msg = msg[l:]
	}
	return nil, false
}

// Streaming lets the big lists (pods, nodes) arrive as a stream of watch
// events (sendInitialEvents, Kubernetes' streaming lists) instead of pages.
// The API server sends them from its watch cache, one object at a time, which
// on a cluster of 30,000 pods takes about half the time of 60 pages and never
// holds a page in memory. Servers that cannot stream, or a user who may list
// but not watch, get paged lists. Tests turn it off to exercise the pages.
var Streaming = true

// errNoStream says the stream could not be used; the caller lists in pages.
var errNoStream = errors.New("streaming list not available")

// listItems calls each for every object of a list: streamed when the server
// and the user's permissions allow it, in pages otherwise. decode turns one
// protobuf-encoded item (without envelope) into an object; JSON pages are
// decoded into newList. reset is called before a list starts over.
func listItems(ctx context.Context, get func() *rest.Request, opts metav1.ListOptions, newList func() runtime.Object, decode func([]byte) (runtime.Object, error), each func(runtime.Object) error, reset func()) error {
	eachRaw := func(b []byte) error {
		obj, err := decode(b)
		if err != nil {
			return err
		}
		return each(obj)
	}
	if Streaming {
		err := streamItems(ctx, get, opts, eachRaw)
		if !errors.Is(err, errNoStream) {
			return err
		}
		reset()
	}
	return rawPages(ctx, get, opts, newList, eachRaw, func(list runtime.Object) error {
		return meta.EachListItem(list, each)
	}, reset)
}

// initialEventsEnd marks the bookmark that ends the initial events of a
// streaming list.
const initialEventsEnd = "k8s.io/initial-events-end"

// watchMediaType asks for a watch as length-prefixed protobuf frames.
const watchMediaType = "application/vnd.kubernetes.protobuf;stream=watch"

// maxFrame bounds one watch event: the API server refuses objects over 3 MiB.
const maxFrame = 64 << 20

// streamItems asks for the list as a watch that first sends every current
// object and then a bookmark, and stops at that bookmark or at the first
// change to an object (objects added since the start count too). Each object
// is handed to each still encoded, without its envelope. Any refusal from the
// API server, a stream that ends early or one not in protobuf is errNoStream;
// a failure to reach the server is returned as it is.
func streamItems(ctx context.Context, get func() *rest.Request, opts metav1.ListOptions, each func([]byte) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	send := true
	opts.Watch = true
	opts.SendInitialEvents = &send
	opts.ResourceVersionMatch = metav1.ResourceVersionMatchNotOlderThan
	opts.ResourceVersion = ""
	opts.AllowWatchBookmarks = true
	body, err := get().VersionedParams(&opts, scheme.ParameterCodec).SetHeader("Accept", watchMediaType).Stream(ctx)
	if err != nil {
		var status apierrors.APIStatus
		if errors.As(err, &status) {
			return fmt.Errorf("%w: %v", errNoStream, err)
		}
		return err
	}
	defer body.Close()
	err = readEvents(bufio.NewReaderSize(body, 256<<10), each)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// readEvents reads the frames of a protobuf watch stream: each a 4-byte
// big-endian length, then a WatchEvent, bare (type in field 1, object in field
// 2), whose object is a RawExtension holding the encoded object with its
// "k8s\0" magic and envelope.
func readEvents(r io.Reader, each func([]byte) error) error {
	var size [4]byte
	var frame []byte
	for {
		if _, err := io.ReadFull(r, size[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: the stream ended before its last object", errNoStream)
			}
			return err
		}
		n := binary.BigEndian.Uint32(size[:])
		if n > maxFrame {
			return fmt.Errorf("%w: a watch event of %d bytes (not a protobuf stream?)", errNoStream, n)
		}
		if cap(frame) < int(n) {
			frame = make([]byte, n, n+n/4)
		}
		frame = frame[:n]
		if _, err := io.ReadFull(r, frame); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: the stream ended before its last object", errNoStream)
			}
			return err
		}
		typ, ok := field(frame, 1)
		if !ok {
			return fmt.Errorf("%w: the stream is not in protobuf", errNoStream)
		}
		event := frame
		embedded, _ := field(event, 2)
		raw, _ := field(embedded, 1) // RawExtension.raw
		obj, ok := protobufObject(raw)
		if !ok {
			return fmt.Errorf("%w: a %s event without a protobuf object", errNoStream, typ)
		}
		switch watch.EventType(typ) {
		case watch.Added:
			if err := each(obj); err != nil {
				return err
			}
		case watch.Bookmark:
			if annotation(obj, initialEventsEnd) == "true" {
				return nil
			}
		case watch.Error:
			status, err := runtime.Decode(scheme.Codecs.UniversalDeserializer(), raw)
			if err != nil {
				return fmt.Errorf("%w: an error event that cannot be read: %v", errNoStream, err)
			}
			return fmt.Errorf("%w: %v", errNoStream, apierrors.FromObject(status))
		default:
			// The API server sends every current object before any
			// change, and changes made meanwhile may come before the
			// closing bookmark: the first change means the list, as of
			// the moment the stream started, is complete.
			return nil
		}
	}
}

// annotation returns the value of one annotation of an encoded object
// (metadata in field 1, annotations in its field 12, entries of key 1 and
// value 2).
func annotation(obj []byte, key string) string {
	md, _ := field(obj, 1)
	for len(md) > 0 {
		num, typ, n := protowire.ConsumeTag(md)
		if n < 0 {
			return ""
		}
		vn := protowire.ConsumeFieldValue(num, typ, md[n:])
		if vn < 0 {
			return ""
		}
		if num == 12 && typ == protowire.BytesType {
			entry, _ := protowire.ConsumeBytes(md[n:])
			if k, _ := field(entry, 1); string(k) == key {
				v, _ := field(entry, 2)
				return string(v)
			}
		}
		md = md[n+vn:]
	}
	return ""
}
