package org.stepgate.keycloak;

/** The provider's version, from the JAR's manifest (Implementation-Version); "dev" outside a JAR. */
final class Version {
  static final String PROVIDER = find();

  private Version() {}

  private static String find() {
    String version = Version.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
