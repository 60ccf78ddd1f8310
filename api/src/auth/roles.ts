/** Directory role template id of Global Administrator, as Entra puts it in a user token's `wids`. */
export const GLOBAL_ADMINISTRATOR_ROLE_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';
