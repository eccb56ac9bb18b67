package org.stepgate.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jboss.logging.Logger;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.PostBrokerLoginConstants;
import org.keycloak.common.ClientConnection;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.ClientModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.sessions.AuthenticationSessionModel;

/** Reads a {@link SignIn} from what Keycloak holds while a flow runs. */
public final class KeycloakSignIn {
  private static final Logger LOG = Logger.getLogger(KeycloakSignIn.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Set<String> USER_TYPES = Set.of("standard", "portal", "external");
  /** The sidecar's limit on `mobile`; a longer value is no phone number. */
  private static final int MOBILE_LIMIT = 32;
  /** Keycloak's provider id of its SAML identity provider. */
  private static final String SAML_PROVIDER = "saml";
  /** Keycloak's provider ids of its OpenID Connect identity providers: any provider, another Keycloak. */
  private static final Set<String> OIDC_PROVIDERS = Set.of("oidc", "keycloak-oidc");

  private KeycloakSignIn() {}

  public static SignIn read(
      KeycloakSession session,
      AuthenticationSessionModel authSession,
      UserModel user,
      ClientConnection connection,
      HttpRequest request,
      StepgateSettings settings) {
    return new SignIn(
        user.getUsername(),
        login(session, authSession, user),
        connection.getRemoteAddr(),
        entryPoint(authSession.getClient(), settings),
        userType(user, settings.userTypeAttribute()),
        user.isEmailVerified() ? blankToNull(user.getEmail()) : null,
        mobile(user, settings.mobileAttribute()),
        user.getGroupsStream().map(KeycloakModelUtils::buildGroupPath).sorted().toList(),
        blankToNull(request.getHttpHeaders().getHeaderString("User-Agent")));
  }

  /**
   * A sign-in that came back from a brokered identity provider carries the brokered identity in the
   * authentication session (post-broker-login flow, or first-broker-login flow): that is a SAML or
   * OpenID Connect sign-in by the provider's kind, whatever else the user has. Social brokers
   * (GitHub, Google, ...) are not federation in the policy's sense and count as direct sign-ins, so
   * they are prompted.
   */
  static SignIn.Login login(KeycloakSession session, AuthenticationSessionModel authSession, UserModel user) {
    String broker = brokerAlias(authSession);
    if (broker != null) {
      IdentityProviderModel provider = session.identityProviders().getByAlias(broker);
      if (provider != null && SAML_PROVIDER.equals(provider.getProviderId())) return SignIn.Login.SAML;
      if (provider != null && OIDC_PROVIDERS.contains(provider.getProviderId())) return SignIn.Login.OIDC;
      return SignIn.Login.DIRECT;
    }
    return user.getFederationLink() != null ? SignIn.Login.DELEGATED : SignIn.Login.DIRECT;
  }

  /** The alias of the identity provider in the note Keycloak keeps (SerializedBrokeredIdentityContext as JSON). */
  private static String brokerAlias(AuthenticationSessionModel authSession) {
    for (String note :
        List.of(PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT, AbstractIdpAuthenticator.BROKERED_CONTEXT_NOTE)) {
      String json = authSession.getAuthNote(note);
      if (json == null) continue;
      try {
        JsonNode alias = JSON.readTree(json).path("identityProviderId");
        if (alias.isTextual() && !alias.asText().isEmpty()) return alias.asText();
      } catch (IOException e) {
        LOG.warnf("stepgate: the authentication session's %s note is not JSON; treating the sign-in as not brokered", note);
      }
    }
    return null;
  }

  static String entryPoint(ClientModel client, StepgateSettings settings) {
    return client != null && settings.portalClients().contains(client.getClientId())
        ? SignIn.PORTAL_ENTRY_POINT
        : SignIn.STANDARD_ENTRY_POINT;
  }

  /** `standard`, `portal` or `external` in any case; anything else is left out (a standard user), and logged. */
  static String userType(UserModel user, String attribute) {
    String value = blankToNull(user.getFirstAttribute(attribute));
    if (value == null) return null;
    String folded = value.trim().toLowerCase(Locale.ROOT);
    if (USER_TYPES.contains(folded)) return folded;
    LOG.warnf(
        "stepgate: user %s has %s '%s', which is not standard, portal or external; sending no user type",
        user.getUsername(), attribute, value);
    return null;
  }

  static String mobile(UserModel user, String attribute) {
    String value = blankToNull(user.getFirstAttribute(attribute));
    if (value == null) return null;
    String trimmed = value.trim();
    return trimmed.length() > MOBILE_LIMIT ? null : trimmed;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
