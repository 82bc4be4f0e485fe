// ESLint: the recommended JavaScript rules and typescript-eslint's strict set, over the sources
// (compiled output, dependencies and the engine tools built for the engine tests excluded).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/**", "node_modules/**", "policy/node_modules/**", ".tools/**"] },
    js.configs.recommended,
    ...tseslint.configs.strict,
    {
        files: ["**/*.ts"],
        rules: {
            // Unused arguments named with a leading underscore are deliberate (interface shapes).
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
);
