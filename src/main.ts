// The playground's entry: design tokens on the document, then the app.
import { tokens } from './ui/theme.ts';
import './ui/app/app.ts';

// Adopted stylesheets, not a <style> element: the Content-Security-Policy allows no inline styles.
if (tokens.styleSheet) document.adoptedStyleSheets = [...document.adoptedStyleSheets, tokens.styleSheet];
