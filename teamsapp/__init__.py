"""The Teams app package (`make teams-package`): the manifest, the two icons and the zip
Teams uploads, built from the settings the bot runs with and checked by Microsoft's
manifest validator (validator/). Nothing in the app imports it (.importlinter)."""
