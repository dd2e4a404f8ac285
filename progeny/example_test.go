package progeny_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/facegate/facegate/progeny"
	"github.com/facegate/facegate/progeny/progenytest"
)

// Register a face and authenticate it later, against the in-process fake.
// With the real API, pass "" (or progeny.DefaultBaseURL) and real
// credentials.
func Example() {
	srv := progenytest.NewServer(progenytest.Options{Username: "me", Password: "pw"})
	defer srv.Close()
	c, err := progeny.NewClient(srv.URL, progeny.WithCredentials("me", "pw"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	selfie := []byte("\xff\xd8\xff\xe0 JPEG bytes from prevalidate.Fix")
	reg, err := c.RegisterFace(ctx, selfie, nil)
	if err != nil {
		panic(err)
	}
	auth, err := c.AuthenticateFace(ctx, reg.UUID, selfie, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(reg.UUID), auth.Match, auth.ScorePercent)
	// Output: 36 true 100
}

// The provider's verdict on a bad image is a typed error with its code.
func ExampleRejectedError() {
	srv := progenytest.NewServer(progenytest.Options{Judge: func(string, []byte) progenytest.Verdict {
		return progenytest.Verdict{Code: "FACE_TOO_SMALL", Message: "Interpupillary distance is too small"}
	}})
	defer srv.Close()
	c, _ := progeny.NewClient(srv.URL, progeny.WithCredentials("user", "secret"))
	_, _, err := c.FaceLiveness(context.Background(), []byte("\xff\xd8 small face"), nil)
	var re *progeny.RejectedError
	if errors.As(err, &re) {
		fmt.Println(re.Code, "-", re.Message)
	}
	// Output: FACE_TOO_SMALL - Interpupillary distance is too small
}
