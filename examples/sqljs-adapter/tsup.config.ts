import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared";

// The build a published plugin ships; the conformance suite's worker thread imports it.
export default defineConfig({ ...packageBuild, dts: false });
