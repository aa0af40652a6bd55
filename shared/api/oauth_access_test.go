package api_test

import "net/http"

// The consent page is reached by redirect whoever asks: signed out, to sign
// in first.
var _ = routeAccess("GET /oauth2/v1/authorize", access{
	query: map[string]string{"client_id": "{appId}", "redirect_uri": "https://matrix.example/cb", "response_type": "code", "scope": "location[orders.read]", "state": "s"},
	want:  every(http.StatusFound, nil),
})

// Approving a connection of A's location: only A's managers may; B's admin
// is told the location is not its account's, as for any unknown id.
var _ = routeAccess("POST /oauth2/v1/authorize", access{
	body: `{"client_id":"{appId}","redirect_uri":"https://matrix.example/cb","response_type":"code","scope":"location[orders.read]","state":"s","location_id":"{locationId}","approve":true}`,
	want: withStatus(session(http.StatusOK, http.StatusOK, http.StatusForbidden), adminB, http.StatusBadRequest),
})

// The token endpoints authenticate the client, never a merchant or a token.
var _ = routeAccess("POST /oauth2/v1/token", access{form: true, body: "grant_type=authorization_code&code=sbc_unknown&redirect_uri=https://matrix.example/cb&client_id={appId}&client_secret=sbs_wrong", want: every(http.StatusUnauthorized, nil)})

var _ = routeAccess("POST /oauth2/v1/revoke", access{form: true, body: "token=sbt_unknown&client_id={appId}&client_secret=sbs_wrong", want: every(http.StatusUnauthorized, nil)})
