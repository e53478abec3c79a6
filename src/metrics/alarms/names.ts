// Did-you-mean support for alarm configuration and rules: edit distance and the closest candidate.

export { closest, editDistance } from '../../core/suggest.js';
