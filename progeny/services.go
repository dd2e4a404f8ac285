package progeny

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// Service names.
const (
	ServiceRegisterFace     = "register_face"
	ServiceAuthenticateFace = "authenticate_face"
	ServiceFaceLiveness     = "face_liveness"
	ServiceKYCCard          = "kyc_card"
	ServiceKYCPassport      = "kyc_passport"
	ServiceOCRCard          = "ocr_card"
	ServiceOCRPassport      = "ocr_passport"
)

// CallOptions are the optional fields every service takes.
type CallOptions struct {
	ExtendData bool // ask for extended result data
}

func (o *CallOptions) fields() map[string]string {
	f := map[string]string{}
	if o != nil && o.ExtendData {
		f["extend_data"] = "true"
	}
	return f
}

// Registration is register_face's result.
type Registration struct {
	Task *Task
	UUID string // the registered face's id, for AuthenticateFace
}

// RegisterFace registers the face in image (JPEG or PNG bytes).
func (c *Client) RegisterFace(ctx context.Context, image []byte, o *CallOptions) (*Registration, error) {
	t, err := c.Submit(ctx, ServiceRegisterFace, []File{{Field: "image", Data: image}}, o.fields())
	if err != nil {
		return nil, err
	}
	var d struct {
		UUID string `json:"uuid"`
	}
	if err := json.Unmarshal(t.Data, &d); err != nil || d.UUID == "" {
		return nil, fmt.Errorf("progeny: register_face result without a uuid: %s", snippet(t.Data))
	}
	return &Registration{Task: t, UUID: d.UUID}, nil
}

// Authentication is authenticate_face's result.
type Authentication struct {
	Task         *Task
	Match        bool
	MatchScore   float64
	ScorePercent float64
	Liveness     *Liveness
}

// AuthenticateFace compares the face in image with the registered face
// uuid.
func (c *Client) AuthenticateFace(ctx context.Context, uuid string, image []byte, o *CallOptions) (*Authentication, error) {
	if uuid == "" {
		return nil, fmt.Errorf("progeny: authenticate_face needs the uuid of a registered face")
	}
	fields := o.fields()
	fields["uuid"] = uuid
	t, err := c.Submit(ctx, ServiceAuthenticateFace, []File{{Field: "image", Data: image}}, fields)
	if err != nil {
		return nil, err
	}
	var d struct {
		Authentication struct {
			Result bool `json:"result"`
			Data   struct {
				MatchScore   json.Number `json:"matchScore"`
				ScorePercent json.Number `json:"scorePercent"`
			} `json:"data"`
		} `json:"authentication"`
	}
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return nil, fmt.Errorf("progeny: authenticate_face result: %w", err)
	}
	a := &Authentication{Task: t, Match: d.Authentication.Result, Liveness: t.Liveness}
	a.MatchScore = number(d.Authentication.Data.MatchScore)
	a.ScorePercent = number(d.Authentication.Data.ScorePercent)
	return a, nil
}

// FaceLiveness checks that the face in image is a live person.
func (c *Client) FaceLiveness(ctx context.Context, image []byte, o *CallOptions) (*Liveness, *Task, error) {
	t, err := c.Submit(ctx, ServiceFaceLiveness, []File{{Field: "image", Data: image}}, o.fields())
	if err != nil {
		return nil, t, err
	}
	if t.Liveness == nil {
		return nil, t, fmt.Errorf("progeny: face_liveness result without a liveness verdict: %s", snippet(t.Data))
	}
	return t.Liveness, t, nil
}

// KYCCard runs liveness, face comparison and OCR on a selfie and both
// sides of an ID card. The result data is service-specific: see Task.Data.
func (c *Client) KYCCard(ctx context.Context, selfie, front, back []byte, o *CallOptions) (*Task, error) {
	return c.Submit(ctx, ServiceKYCCard, []File{{Field: "selfie_image", Data: selfie}, {Field: "front_id", Data: front}, {Field: "back_id", Data: back}}, o.fields())
}

// KYCPassport runs liveness, face comparison and OCR on a selfie and a
// passport page.
func (c *Client) KYCPassport(ctx context.Context, selfie, passport []byte, o *CallOptions) (*Task, error) {
	return c.Submit(ctx, ServiceKYCPassport, []File{{Field: "selfie_image", Data: selfie}, {Field: "passport_image", Data: passport}}, o.fields())
}

// OCRCard reads both sides of an ID card.
func (c *Client) OCRCard(ctx context.Context, front, back []byte, o *CallOptions) (*Task, error) {
	return c.Submit(ctx, ServiceOCRCard, []File{{Field: "front_id", Data: front}, {Field: "back_id", Data: back}}, o.fields())
}

// OCRPassport reads a passport page.
func (c *Client) OCRPassport(ctx context.Context, passport []byte, o *CallOptions) (*Task, error) {
	return c.Submit(ctx, ServiceOCRPassport, []File{{Field: "passport_image", Data: passport}}, o.fields())
}

func number(n json.Number) float64 {
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}
