import { packageTests } from "../../vitest.shared";

export default packageTests({ globalSetup: ["test/global-setup.ts"] });
