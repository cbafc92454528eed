package store

import "civiclink/internal/apierr"

// InputError is a problem with client input (a bad cursor or page size): the API's one
// input error type, whose message is safe to show to the client.
type InputError = apierr.InputError
