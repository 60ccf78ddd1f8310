/**
 * Teams' dark and high-contrast Fluent themes, in their own chunk: most admins run the light theme,
 * so the first screen does not carry the other two.
 */
export { teamsDarkTheme, teamsHighContrastTheme } from '@fluentui/react-components';
