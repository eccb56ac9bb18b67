package org.stepgate.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/** One answer of the sidecar API: its status and its JSON body (a MissingNode when it had none). */
public record SidecarAnswer(int status, JsonNode body) {
  public SidecarAnswer {
    body = body == null ? MissingNode.getInstance() : body;
  }

  public boolean ok() {
    return status >= 200 && status < 300;
  }

  /** The stable error code of an error answer (`invalid_code`, `rate_limited`, ...), or "". */
  public String error() {
    return body.path("error").asText("");
  }

  /** The sentence for the person that every error answer carries, or "". */
  public String message() {
    return body.path("message").asText("");
  }

  /** `skip`, `deny`, `confirm`, `register_mobile` or `done`, or "". */
  public String decision() {
    return body.path("decision").asText("");
  }
}
