import { packageTests } from "../../vitest.shared.ts";

export default packageTests({ globalSetup: ["test/global-setup.ts"] });
