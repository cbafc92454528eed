package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/events"
	"civiclink/internal/fairshare"
	"civiclink/internal/ratelimit"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Defaults of the long-lived connection limits.
const (
	// DefaultCredentialCheck is how often the credentials of an open WebSocket or event
	// stream are checked again (expiry, revoked API key).
	DefaultCredentialCheck = 30 * time.Second
	// DefaultMaxSubscriptionsPerConnection caps the subscriptions of one WebSocket.
	DefaultMaxSubscriptionsPerConnection = 50
	// DefaultMaxSubscriptionsPerPrincipal caps the subscriptions of one caller on one
	// instance, over all its connections and streams.
	DefaultMaxSubscriptionsPerPrincipal = 200
)

// session is one WebSocket connection or event stream: where it comes from, the key of its
// credentials for the rate limiter, and whether those credentials have lapsed.
type session struct {
	websocket bool
	ip        string
	key       string // ratelimit.KeyOf the credentials; set at connection_init for WebSockets
	subs      atomic.Int32
	lapsed    chan struct{} // closed when the credentials expire or are revoked
	lapseOnce sync.Once
}

type sessionKey struct{}

func withSession(ctx context.Context, s *session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

func (s *session) lapse() { s.lapseOnce.Do(func() { close(s.lapsed) }) }

func (s *session) hasLapsed() bool {
	select {
	case <-s.lapsed:
		return true
	default:
		return false
	}
}

// closeForbidden is the close code of a socket whose credentials are refused, at
// connection_init or once they lapse: graphql-ws's CloseCode.Forbidden. Its clients report
// it to every open subscription (or, with retries, reconnect with fresh connectionParams);
// after the normal closure gqlgen sends by default they silently reconnect, with the same
// credentials, whenever anything still holds the client open.
const closeForbidden = 4403

// forbiddenOnLapse accepts sockets as gqlgen's default implementation does, but a socket
// closed because its session's credentials lapsed closes with closeForbidden.
type forbiddenOnLapse struct {
	transport.CoderWebsocketImplementation
}

// Accept implements transport.WebsocketImplementation.
func (i forbiddenOnLapse) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := i.CoderWebsocketImplementation.Accept(w, r, o)
	s := sessionFrom(r.Context())
	if err != nil || s == nil {
		return c, err
	}
	return &lapsingConn{WebsocketConn: c, s: s}, nil
}

type lapsingConn struct {
	transport.WebsocketConn
	s *session
}

// WriteClose turns the normal closure of a lapsed session into closeForbidden.
func (c *lapsingConn) WriteClose(code int, msg string) error {
	if code == transport.WebsocketCloseNormalClosure && c.s.hasLapsed() {
		code, msg = closeForbidden, "Forbidden: the credentials expired or were revoked"
	}
	return c.WebsocketConn.WriteClose(code, msg)
}

// SetReadLimit implements transport.WebsocketReadLimiter.
func (c *lapsingConn) SetReadLimit(n int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(n)
	}
}

// SetReadDeadline implements transport.WebsocketReadDeadliner.
func (c *lapsingConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// watchCredentials checks authorization again every interval until ctx ends; once the
// credentials are refused (expired, revoked) it marks the session lapsed and calls then.
// A check that cannot be made (the database is away) is not a refusal.
func watchCredentials(ctx context.Context, opts Options, s *session, authorization, purpose string, then func()) {
	t := time.NewTicker(opts.CredentialCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := opts.Auth.AuthenticateToken(ctx, authorization, purpose)
		if errors.Is(err, auth.ErrBadCredentials) || errors.Is(err, auth.ErrNoCredentials) {
			opts.Logger.InfoContext(ctx, "credentials of an open connection lapsed", "websocket", s.websocket)
			s.lapse()
			if then != nil {
				then()
			}
			return
		}
	}
}

// subscriptionCounter counts the open subscriptions of each principal on this instance.
type subscriptionCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// acquire takes one of max places for principal; release gives it back.
func (c *subscriptionCounter) acquire(principal string, max int) (release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[principal] >= max {
		return nil, false
	}
	c.n[principal]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.n[principal]--; c.n[principal] <= 0 {
				delete(c.n, principal)
			}
		})
	}, true
}

// operationLimits gives operations over WebSockets and event streams what HTTP requests
// get from the HTTP layers: the request deadline for queries and mutations (whatever the
// transport), a rate limit per operation on WebSockets (the same buckets as HTTP), caps on
// subscriptions per connection and per principal, and the end, with UNAUTHENTICATED, of
// every subscription whose credentials lapse.
func operationLimits(opts Options, limiter *ratelimit.Limiter, share *fairshare.Limiter, counter *subscriptionCounter, logger *slog.Logger) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		s := sessionFrom(ctx)
		if s != nil && s.websocket {
			if d := limiter.AllowClient(s.ip, s.key); !d.Allowed {
				secs := d.RetryAfterSeconds()
				return graphql.OneShot(errorResponse(apierr.RateLimited, fmt.Sprintf("rate limit exceeded (%s); retry after %d s", d.Limit, secs),
					map[string]any{"limit": d.Limit, "retryAfter": secs}))
			}
		}
		if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
			end := func() {}
			if s != nil {
				// A query or mutation over a socket or stream gets the fair share an HTTP
				// request gets in graphQLEndpoint (subscriptions are capped in number instead).
				ctx, end = share.Begin(ctx, auth.FromContext(ctx).Actor())
			}
			return withDeadline(ctx, opts.RequestTimeout, end, next)
		}
		if s != nil && s.websocket {
			if int(s.subs.Add(1)) > opts.MaxSubscriptionsPerConnection {
				s.subs.Add(-1)
				return graphql.OneShot(errorResponse(apierr.RateLimited, fmt.Sprintf("a connection may hold at most %d subscriptions", opts.MaxSubscriptionsPerConnection),
					map[string]any{"limit": "connectionSubscriptions", "max": opts.MaxSubscriptionsPerConnection}))
			}
			context.AfterFunc(ctx, func() { s.subs.Add(-1) })
		}
		release, ok := counter.acquire(auth.FromContext(ctx).Actor(), opts.MaxSubscriptionsPerPrincipal)
		if !ok {
			return graphql.OneShot(errorResponse(apierr.RateLimited, fmt.Sprintf("a caller may hold at most %d subscriptions on one instance", opts.MaxSubscriptionsPerPrincipal),
				map[string]any{"limit": "principalSubscriptions", "max": opts.MaxSubscriptionsPerPrincipal}))
		}
		context.AfterFunc(ctx, release)
		var lapsed <-chan struct{} // nil (never) outside long-lived connections
		if s != nil {
			lapsed = s.lapsed
		}
		// The subscription's resolver runs under opCtx: cancelling it ends the event stream;
		// a stream that ends early says why in the StreamEnd.
		opCtx, end := events.WithStreamEnd(ctx)
		opCtx, cancel := context.WithCancel(opCtx)
		stop := context.AfterFunc(ctx, cancel)
		go func() {
			select {
			case <-lapsed:
				cancel()
			case <-opCtx.Done():
			}
		}()
		responses := next(opCtx)
		var told bool
		return func(ctx context.Context) *graphql.Response {
			if resp := responses(ctx); resp != nil {
				return resp
			}
			stop()
			cancel()
			if told {
				return nil
			}
			told = true
			select {
			case <-lapsed:
				logger.DebugContext(ctx, "subscription ended: credentials lapsed")
				return errorResponse(apierr.Unauthenticated, "the credentials expired or were revoked; reconnect with valid ones", nil)
			default:
			}
			var coded interface {
				error
				ErrorCode() string
				ErrorExtensions() map[string]any
			}
			if errors.As(end.Err(), &coded) {
				return errorResponse(coded.ErrorCode(), coded.Error(), coded.ErrorExtensions())
			}
			return nil
		}
	}
}

// withDeadline runs a query or mutation under timeout, and calls end once it is over; one
// that runs out of time answers TIMEOUT (gqlgen itself produces no response once the context
// has ended).
func withDeadline(ctx context.Context, timeout time.Duration, end func(), next graphql.OperationHandler) graphql.ResponseHandler {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	context.AfterFunc(ctx, end)
	responses := next(ctx)
	answered := false
	return func(rctx context.Context) *graphql.Response {
		resp := responses(rctx)
		if resp == nil && !answered && ctx.Err() != nil {
			resp = errorResponse(apierr.Timeout, "the request took too long", nil)
		}
		if resp == nil {
			cancel()
		}
		answered = true
		return resp
	}
}

// overSharePresenter presents the failure of a request refused a connection for being over
// its caller's share (the acquisition fails as cancelled, see fairshare.Tracer) as
// RATE_LIMITED with retryAfter; every other error as next does.
func overSharePresenter(next graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if !errors.Is(err, context.Canceled) || !fairshare.FromContext(ctx).Refused() {
			return next(ctx, err)
		}
		e := graphql.DefaultErrorPresenter(ctx, err)
		secs := int(fairshare.RetryAfter.Seconds())
		e.Message = fmt.Sprintf("the caller is using its share of database connections; retry after %d s", secs)
		e.Extensions = map[string]any{"code": apierr.RateLimited, "limit": "databaseShare", "retryAfter": secs}
		return e
	}
}

func errorResponse(code, msg string, ext map[string]any) *graphql.Response {
	e := map[string]any{"code": code}
	for k, v := range ext {
		e[k] = v
	}
	return &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: e}}}
}
