package org.stepgate.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.ws.rs.core.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.keycloak.authentication.authenticators.broker.util.PostBrokerLoginConstants;
import org.keycloak.common.ClientConnection;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.ClientModel;
import org.keycloak.models.GroupModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.IdentityProviderStorageProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/** What the provider tells stepgate about a sign-in: the body of POST /sidecar/v1/evaluate. */
class KeycloakSignInTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

  private static final StepgateSettings SETTINGS =
      new StepgateSettings(
          URI.create("http://127.0.0.1:1/_stepgate"),
          "token",
          Duration.ofSeconds(5),
          Set.of("portal-app"),
          false,
          "phoneNumber",
          "userType");

  /** One sign-in as Keycloak holds it; each test changes what it is about. */
  private static final class Scene {
    String username = "alice";
    String email = "alice@example.com";
    boolean emailVerified = true;
    String federationLink;
    Map<String, String> attributes = new HashMap<>();
    List<GroupModel> groups = List.of();
    String clientId = "test-app";
    String remoteAddr = "203.0.113.7";
    String userAgent = FIREFOX;
    Map<String, String> authNotes = new HashMap<>();
    Map<String, String> brokers =
        Map.of("corp", "saml", "partner", "oidc", "sister", "keycloak-oidc", "social", "github");

    SignIn read() {
      UserModel user =
          Fakes.fake(UserModel.class)
              .returns("getUsername", username)
              .returns("getEmail", email)
              .returns("isEmailVerified", emailVerified)
              .returns("getFederationLink", federationLink)
              .on("getFirstAttribute", args -> attributes.get((String) args[0]))
              .on("getGroupsStream", args -> groups.stream())
              .build();
      ClientModel client = Fakes.fake(ClientModel.class).returns("getClientId", clientId).build();
      AuthenticationSessionModel authSession =
          Fakes.fake(AuthenticationSessionModel.class)
              .returns("getClient", client)
              .on("getAuthNote", args -> authNotes.get((String) args[0]))
              .build();
      IdentityProviderStorageProvider providers =
          Fakes.fake(IdentityProviderStorageProvider.class)
              .on(
                  "getByAlias",
                  args -> {
                    String type = brokers.get((String) args[0]);
                    if (type == null) return null;
                    IdentityProviderModel model = new IdentityProviderModel();
                    model.setAlias((String) args[0]);
                    model.setProviderId(type);
                    return model;
                  })
              .build();
      KeycloakSession session = Fakes.fake(KeycloakSession.class).returns("identityProviders", providers).build();
      ClientConnection connection = Fakes.fake(ClientConnection.class).returns("getRemoteAddr", remoteAddr).build();
      HttpHeaders headers =
          Fakes.fake(HttpHeaders.class)
              .on("getHeaderString", args -> "User-Agent".equalsIgnoreCase((String) args[0]) ? userAgent : null)
              .build();
      HttpRequest request = Fakes.fake(HttpRequest.class).returns("getHttpHeaders", headers).build();
      return KeycloakSignIn.read(session, authSession, user, connection, request, SETTINGS);
    }

    ObjectNode body() {
      return read().toJson();
    }
  }

  private static GroupModel group(String name, GroupModel parent) {
    return Fakes.fake(GroupModel.class)
        .returns("getName", name)
        .returns("getParent", parent)
        .returns("getParentId", parent == null ? null : "parent")
        .returns("escapeSlashesInGroupPath", false)
        .returns("getType", GroupModel.Type.REALM)
        .returns("getOrganization", null)
        .on("getFirstAttribute", args -> null)
        .on("getAttributeStream", args -> Stream.empty())
        .build();
  }

  private static ObjectNode json(String text) throws Exception {
    return (ObjectNode) JSON.readTree(text);
  }

  @Test
  void sendsWhatKeycloakKnowsAfterThePassword() throws Exception {
    Scene scene = new Scene();
    scene.attributes.put("phoneNumber", "+14155550123");
    scene.attributes.put("userType", "External");
    GroupModel org = group("org", null);
    scene.groups = List.of(group("staff", null), group("travellers", org));
    assertEquals(
        json(
            """
            {"user": "alice", "login": "direct", "client_ip": "203.0.113.7", "entry_point": "standard",
             "user_type": "external", "email": "alice@example.com", "mobile": "+14155550123",
             "groups": ["/org/travellers", "/staff"],
             "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}
            """),
        scene.body());
  }

  @Test
  void leavesOutWhatKeycloakDoesNotKnow() throws Exception {
    Scene scene = new Scene();
    scene.emailVerified = false; // an address nobody proved is no place to send codes
    scene.userAgent = null; // a client that sends no User-Agent
    assertEquals(
        json(
            """
            {"user": "alice", "login": "direct", "client_ip": "203.0.113.7", "entry_point": "standard", "groups": []}
            """),
        scene.body());
  }

  @Test
  void passesAnIpv6ClientAsKeycloakSawIt() {
    Scene scene = new Scene();
    scene.remoteAddr = "2001:db8:0:0:0:0:0:7";
    assertEquals("2001:db8:0:0:0:0:0:7", scene.body().path("client_ip").asText());
  }

  @Test
  void keepsTheFirst512CharactersOfALongUserAgent() {
    Scene scene = new Scene();
    scene.userAgent = "x".repeat(600);
    assertEquals("x".repeat(512), scene.body().path("user_agent").asText());
  }

  @Test
  void aFederatedPasswordIsADelegatedSignIn() {
    Scene scene = new Scene();
    scene.federationLink = "ldap-component-id";
    assertEquals("delegated", scene.body().path("login").asText());
  }

  @Test
  void aSamlBrokeredSignInIsSaml() {
    Scene scene = new Scene();
    scene.federationLink = "ldap-component-id"; // the broker, not the user's storage, says how they signed in now
    scene.authNotes.put(
        PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT,
        "{\"id\":\"sam\",\"brokerUsername\":\"sam\",\"identityProviderId\":\"corp\",\"contextData\":{}}");
    assertEquals("saml", scene.body().path("login").asText());
  }

  @Test
  void anOpenIdConnectBrokeredSignInIsOidc() {
    for (String alias : List.of("partner", "sister")) {
      Scene scene = new Scene();
      scene.authNotes.put(
          PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT,
          "{\"id\":\"olga\",\"brokerUsername\":\"olga\",\"identityProviderId\":\"" + alias + "\",\"contextData\":{}}");
      assertEquals("oidc", scene.body().path("login").asText(), alias);
    }
  }

  @Test
  void aSocialBrokerIsNotFederationInThePolicysSense() {
    Scene scene = new Scene();
    scene.authNotes.put(
        PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT,
        "{\"id\":\"x\",\"brokerUsername\":\"x\",\"identityProviderId\":\"social\",\"contextData\":{}}");
    assertEquals("direct", scene.body().path("login").asText());
  }

  @Test
  void thePortalClientsAreThePortalEntryPoint() {
    Scene scene = new Scene();
    scene.clientId = "portal-app";
    assertEquals("portal", scene.body().path("entry_point").asText());
  }

  @Test
  void sendsNoUserTypeOrMobileThatStepgateWouldRefuse() {
    Scene scene = new Scene();
    scene.attributes.put("userType", "contractor");
    scene.attributes.put("phoneNumber", "+1 415 555 0123 (work, ask for the front desk)");
    ObjectNode body = scene.body();
    assertFalse(body.has("user_type"), body.toString());
    assertFalse(body.has("mobile"), body.toString());
  }
}
