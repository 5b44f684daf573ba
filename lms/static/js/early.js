// Runs in <head>, before the page is drawn: styles for script-enhanced parts (the phone menu)
// apply from the first paint, and without this script every part stays plain and usable.
document.documentElement.classList.replace("no-js", "js");
