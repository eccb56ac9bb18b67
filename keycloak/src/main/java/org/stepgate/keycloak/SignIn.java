package org.stepgate.keycloak;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What Keycloak knows about one sign-in, as the body of {@code POST /sidecar/v1/evaluate}
 * (docs/sidecar-api.yaml, EvaluateRequest). Absent facts are left out of the body, never sent as
 * null: the sidecar refuses unknown and malformed fields so a mistake is seen at once.
 */
public record SignIn(
    String user,
    Login login,
    String clientIp,
    String entryPoint,
    String userType,
    String email,
    String mobile,
    List<String> groups,
    String userAgent) {

  /** How the person proved who they are, in the policy's words ({@code when: { login: ... }}). */
  public enum Login {
    /** A password checked by Keycloak against its own database. */
    DIRECT("direct"),
    /** A password checked by a user federation provider (LDAP, Kerberos). */
    DELEGATED("delegated"),
    /** Signed in at a SAML identity provider that Keycloak brokers. */
    SAML("saml"),
    /** Signed in at an OpenID Connect identity provider that Keycloak brokers. */
    OIDC("oidc");

    private final String value;

    Login(String value) {
      this.value = value;
    }

    public String value() {
      return value;
    }
  }

  public static final String STANDARD_ENTRY_POINT = "standard";
  public static final String PORTAL_ENTRY_POINT = "portal";

  /** The sidecar keeps this much of the browser's User-Agent for the history. */
  static final int USER_AGENT_LIMIT = 512;

  public SignIn {
    groups = groups == null ? List.of() : List.copyOf(groups);
  }

  public ObjectNode toJson() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("user", user);
    body.put("login", login.value());
    body.put("client_ip", clientIp);
    body.put("entry_point", entryPoint);
    if (userType != null) body.put("user_type", userType);
    if (email != null) body.put("email", email);
    if (mobile != null) body.put("mobile", mobile);
    ArrayNode groupPaths = body.putArray("groups");
    groups.forEach(groupPaths::add);
    if (userAgent != null) {
      body.put(
          "user_agent",
          userAgent.length() > USER_AGENT_LIMIT ? userAgent.substring(0, USER_AGENT_LIMIT) : userAgent);
    }
    return body;
  }
}
