@description('Key Vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string
param location string
param tags object

@secure()
@description('Seed of the admin API key (Journeys__ApiKeys__0__Key); azd keeps it from one provision to the next.')
param adminKeySeed string

@secure()
@description('Seed of the unsubscribe-link signing key; azd keeps it from one provision to the next.')
param unsubscribeSeed string

// Secrets the app reads (Key Vault references in its app settings): admin-api-key, unsubscribe-signing-key and erasure-hash-key (derived here from seeds azd generates once), sendgrid-api-key and
// sendgrid-webhook-public-key (set them yourself before Journeys__Email__Provider=SendGrid, e.g. `az keyvault secret set`).
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource adminSeed 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'admin-api-key-seed'
  properties: {
    value: adminKeySeed
  }
}

// The host wants keys of at least 16 characters: the seed plus 13 characters derived from it (stable while the seed is).
resource adminKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'admin-api-key'
  properties: {
    value: '${adminKeySeed}${uniqueString(adminKeySeed, 'admin-api-key')}'
  }
}

resource seed 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'unsubscribe-signing-seed'
  properties: {
    value: unsubscribeSeed
  }
}

// The host wants base64 of at least 32 bytes: 72 bytes derived from the seed (stable while the seed is).
resource unsubscribeKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'unsubscribe-signing-key'
  properties: {
    value: base64('${guid(unsubscribeSeed, 'unsubscribe-1')}${guid(unsubscribeSeed, 'unsubscribe-2')}')
  }
}

// The erasure hash key (Journeys__Erasure__HashKey, required outside Development): base64 of 72 bytes derived from the seed
// (stable while the seed is; it must never change, or erased addresses would become mailable again).
resource erasureKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'erasure-hash-key'
  properties: {
    value: base64('${guid(unsubscribeSeed, 'erasure-hash-1')}${guid(unsubscribeSeed, 'erasure-hash-2')}')
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
