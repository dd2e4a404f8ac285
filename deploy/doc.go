// Package deploy holds facegate's deployment files (kubernetes/) and the
// test that decodes every manifest strictly into the Kubernetes API's own
// types and checks it against the Pod Security "restricted" profile. It is
// a module of its own, so that the Kubernetes API modules stay out of
// facegate's.
package deploy
