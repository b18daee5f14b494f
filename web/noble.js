// Lets web/verify.js import './noble.js' both in the repository (Node, tests) and on the served
// page, where /assets/noble.js is web/vendor/noble.js itself and this file is not used.
export * from './vendor/noble.js';
