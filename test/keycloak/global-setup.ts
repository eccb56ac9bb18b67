/**
 * Before the Keycloak e2e: compile the CLI to dist/, which the test runs as `stepgate serve`, as
 * the main suite's setup does (without its Redis and PostgreSQL, which this test does not use).
 */
import { build } from '../global-setup.js';

export default function setup(): void {
  build();
}
